using Xunit;

namespace Compiled.Nets.Generators.Tests;

/// <summary>Half-typed code: the generator must not throw, and emits nothing for a class it cannot read.</summary>
public class RobustnessTests
{
    [Theory]
    [InlineData("[Network] public partial class Net { [Input(2)] partial Layer X { get; } [Dense(] partial Layer Y { get; } }")]
    [InlineData("[Network] public partial class Net { [Input(2)] partial Layer X { get; } [Dense(4, Activation.)] partial Layer Y { get; } }")]
    [InlineData("[Network] public partial class Net { [Input(2)] partial Layer X { get; } [Dens(4)] partial Layer Y { get; } }")]
    [InlineData("[Network] public partial class Net { [Input(2)] partial Layer X { get; } [Dense(\"four\")] partial Layer Y { get; } }")]
    [InlineData("[Network] public partial class Net { [Input(2)] partial Layer X { get; } [Dense(4)] partial Layer Y { get }")]
    [InlineData("[Network] public partial class Net { [Input] partial Layer X { get; } [Dense(4)] partial Lay Y { get; } }")]
    [InlineData("[Network(Loss = )] public partial class Net { [Input(2)] partial Layer X { get; } }")]
    [InlineData("[Network] public partial class Net { [Input(2)] partial Layer X { get; } [Dense(4, (Activation)99)] partial Layer Y { get; } }")]
    [InlineData("[Network] public partial class")]
    [InlineData("[Network] public partial class Net { [Input(null)] partial Layer X { get; } [Dense(1)] partial Layer Y { get; } }")]
    public void Half_typed_code_never_crashes_the_generator(string code)
    {
        var result = GeneratorHarness.Run("using Compiled.Nets;\n" + code);
        Assert.All(result.GeneratorDiagnostics, d => Assert.NotEqual("CN9999", d.Id));
    }
}
