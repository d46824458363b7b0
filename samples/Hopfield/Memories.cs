using Compiled.Nets;

namespace Compiled.Nets.Samples.Hopfield;

// The four memories of the capacity experiment, each with its size fixed at compile time.

/// <summary>A Hopfield memory of 100 neurons.</summary>
[HopfieldNetwork(Neurons = 100)]
public partial class Memory100 { }

/// <summary>A Hopfield memory of 200 neurons.</summary>
[HopfieldNetwork(Neurons = 200)]
public partial class Memory200 { }

/// <summary>A Hopfield memory of 500 neurons.</summary>
[HopfieldNetwork(Neurons = 500)]
public partial class Memory500 { }

/// <summary>A Hopfield memory of 1,000 neurons.</summary>
[HopfieldNetwork(Neurons = 1000)]
public partial class Memory1000 { }
