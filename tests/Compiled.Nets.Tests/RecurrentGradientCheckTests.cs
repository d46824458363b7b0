using System;
using System.Collections.Generic;
using Xunit;
using Xunit.Abstractions;

namespace Compiled.Nets.Tests;

/// <summary>Backpropagation through time against central differences of the loss, for every recurrent cell, many-to-one and many-to-many, stacked.</summary>
public class RecurrentGradientCheckTests
{
    private readonly ITestOutputHelper _output;
    public RecurrentGradientCheckTests(ITestOutputHelper output) => _output = output;

    public static IEnumerable<object[]> Cases() => new[]
    {
        new object[] { "SimpleRnn tanh, last step, MSE", (Func<ITrainableNetwork>)(() => new GoldenRnnTanh(1)), GradientCheckTests.Targets.Gaussian },
        new object[] { "SimpleRnn ReLU, every step, per-step head, MSE", (Func<ITrainableNetwork>)(() => new GoldenRnnReluSequence(2)), GradientCheckTests.Targets.Gaussian },
        new object[] { "SimpleRnn with leak 0.3, MSE", (Func<ITrainableNetwork>)(() => new GoldenRnnLeaky(3)), GradientCheckTests.Targets.Gaussian },
        new object[] { "Lstm, last step, softmax CE", (Func<ITrainableNetwork>)(() => new GoldenLstm(4)), GradientCheckTests.Targets.OneHot },
        new object[] { "Lstm with peepholes, every step, MSE", (Func<ITrainableNetwork>)(() => new GoldenLstmPeephole(5)), GradientCheckTests.Targets.Gaussian },
        new object[] { "Gru, last step, logistic BCE", (Func<ITrainableNetwork>)(() => new GoldenGru(6)), GradientCheckTests.Targets.Probabilities },
        new object[] { "tanh projection → Lstm (every step) → Lstm, MSE", (Func<ITrainableNetwork>)(() => new GoldenStackedLstm(7)), GradientCheckTests.Targets.Gaussian },
        new object[] { "Lstm → Gru, every step, tanh head, MSE", (Func<ITrainableNetwork>)(() => new GoldenStackedGruSequence(8)), GradientCheckTests.Targets.Gaussian },
        new object[] { "encoder Lstm → tanh → decoder Lstm's [h₀, c₀], MSE", (Func<ITrainableNetwork>)(() => new GoldenInitialStateLstm(11)), GradientCheckTests.Targets.Gaussian },
        new object[] { "encoder Gru → tanh → decoder Gru's h₀, MSE", (Func<ITrainableNetwork>)(() => new GoldenInitialStateGru(12)), GradientCheckTests.Targets.Gaussian },
        new object[] { "tokens → Embedding → Lstm → per-step softmax CE", (Func<ITrainableNetwork>)(() => new GoldenEmbeddingLstm(9)), GradientCheckTests.Targets.OneHot, 7 },
        new object[] { "tokens → Embedding → Gru → per-step logits, CE", (Func<ITrainableNetwork>)(() => new GoldenEmbeddingGruLogits(10)), GradientCheckTests.Targets.OneHot, 6 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Backpropagation_through_time_matches_central_differences(string description, Func<ITrainableNetwork> create, GradientCheckTests.Targets kind,
        int vocabulary = 0)
    {
        var net = create();
        const int batch = 5;
        // A token model reads ids and predicts one of the vocabulary at every step.
        float[] inputs = vocabulary > 0 ? TestData.Tokens(batch * net.InputLength, vocabulary, seed: 100) : TestData.Random(batch * net.InputLength, seed: 100);
        float[] targets = kind switch
        {
            GradientCheckTests.Targets.OneHot when vocabulary > 0 => TestData.OneHot(batch * net.InputLength, vocabulary, seed: 200),
            GradientCheckTests.Targets.OneHot => TestData.OneHot(batch, net.OutputLength, seed: 200),
            GradientCheckTests.Targets.Probabilities => TestData.Probabilities(batch * net.OutputLength, seed: 200),
            _ => TestData.Random(batch * net.OutputLength, seed: 200),
        };
        var (relativeNorm, worst) = GradientCheckTests.CompareWithCentralDifferences(net, inputs, targets, batch, training: false);
        _output.WriteLine($"{description}: {net.Parameters.Length} parameters, ‖num − analytic‖/‖num‖ = {relativeNorm:E2}, worst element {worst:E2}");
        Assert.True(relativeNorm < 1e-2, $"relative gradient error {relativeNorm:E2}");
        Assert.True(worst < 5e-2, $"worst element error {worst:E2}");
    }
}
