using System;
using System.Collections.Generic;
using System.Linq;
using Xunit;
using Xunit.Abstractions;

namespace Compiled.Nets.Tests;

/// <summary>
/// LocalResponseNorm, LocalContrastNorm, GaussianNoise and MaskingNoise against PyTorch (float64,
/// tests/scripts/make_normalization_golden_fixtures.py → Fixtures/golden_normalization.json): outputs at inference
/// (the noise layers are the identity), loss, gradients and one SGD step in training mode with the Plan's random
/// streams reproduced by the script.
/// </summary>
public class NormalizationGoldenTests
{
    private readonly ITestOutputHelper _output;
    public NormalizationGoldenTests(ITestOutputHelper output) => _output = output;

    internal static readonly Dictionary<string, Func<ITrainableNetwork>> Networks = new()
    {
        [nameof(LrnConvNet)] = () => new LrnConvNet(),
        [nameof(LrnLcn1DNet)] = () => new LrnLcn1DNet(),
        [nameof(LcnConvNet)] = () => new LcnConvNet(),
        [nameof(NoisyNet)] = () => new NoisyNet(),
    };

    private static readonly Lazy<Dictionary<string, GoldenTests.GoldenCase>> Cases = new(() =>
        GoldenTests.ReadFixture("golden_normalization.json", static (golden, _) => golden).ToDictionary(c => c.Name));

    public static IEnumerable<object[]> CaseNames() => Networks.Keys.Select(k => new object[] { k });

    [Fact]
    public void Every_fixture_case_has_a_network() =>
        Assert.Equal(Networks.Keys.OrderBy(k => k), Cases.Value.Keys.OrderBy(k => k));

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Matches_pytorch(string name)
    {
        var golden = Cases.Value[name];
        var (outputError, loss, lossError, gradientError, stepError) = GoldenTests.Compare(Networks[name](), golden);
        _output.WriteLine($"{name}: outputs {outputError:E2}, loss {lossError:E2}, gradients {gradientError:E2}, SGD step {stepError:E2}");
        Assert.True(outputError < 2e-5, $"outputs differ by {outputError:E2}");
        Assert.True(lossError < 2e-5, $"loss {loss} vs PyTorch {golden.Loss}");
        Assert.True(gradientError < 5e-5, $"gradients differ by {gradientError:E2}");
        Assert.True(stepError < 2e-5, $"parameters after one SGD step differ by {stepError:E2}");
    }
}
