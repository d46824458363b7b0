namespace Compiled.Nets.Tests;

// Hopfield memories of the tests (the samples' Memory100 … Memory1000 are used too).

/// <summary>Two neurons: the smallest memory with a synchronous 2-cycle.</summary>
[HopfieldNetwork(Neurons = 2)]
public partial class Hopfield2 { }

/// <summary>Three neurons: small enough to build an exact tie by hand.</summary>
[HopfieldNetwork(Neurons = 3)]
public partial class Hopfield3 { }

/// <summary>A ragged size: not a multiple of a SIMD width or a warp.</summary>
[HopfieldNetwork(Neurons = 37)]
public partial class Hopfield37 { }

/// <summary>One neuron: no weights at all.</summary>
[HopfieldNetwork(Neurons = 1)]
public partial class Hopfield1 { }
