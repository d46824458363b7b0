using System;
using Compiled.Nets.Data;
using Compiled.Nets.Training;
using Xunit;
using Xunit.Abstractions;

namespace Compiled.Nets.Tests;

public class LearningTests
{
    private readonly ITestOutputHelper _output;
    public LearningTests(ITestOutputHelper output) => _output = output;

    private static readonly float[] TwoBitInputs = { 0, 0, 0, 1, 1, 0, 1, 1 };

    [Fact]
    public void Xor_is_learned_to_100_percent_by_a_2_4_1_network()
    {
        var net = new XorNet();
        float[] targets = { 0, 1, 1, 0 };
        float loss = 0;
        for (int step = 0; step < 2000; step++) loss = net.TrainStep(TwoBitInputs, targets, 4);
        var outputs = new float[4];
        net.Predict(TwoBitInputs, outputs);
        _output.WriteLine($"XOR after 2000 steps: loss {loss:E3}, outputs {string.Join(", ", outputs)}");
        for (int i = 0; i < 4; i++) Assert.Equal(targets[i], outputs[i] >= 0.5f ? 1f : 0f);
        Assert.True(loss < 0.05f);
        Assert.Equal(2000, net.StepCount);
    }

    [Theory]
    [InlineData("AND", new float[] { 0, 0, 0, 1 })]
    [InlineData("OR", new float[] { 0, 1, 1, 1 })]
    public void Perceptron_rule_learns_linearly_separable_functions_in_a_few_epochs(string name, float[] targets)
    {
        var perceptron = new HeavisidePerceptron();
        var result = perceptron.TrainPerceptron(TwoBitInputs, targets, maxEpochs: 100);
        _output.WriteLine($"{name}: {result}");
        Assert.True(result.Converged);
        Assert.True(result.Epochs <= 10, $"took {result.Epochs} epochs");
        var outputs = new float[4];
        perceptron.Predict(TwoBitInputs, outputs);
        Assert.Equal(targets, outputs);
    }

    [Fact]
    public void Perceptron_rule_with_sign_units_learns_and_with_bipolar_targets()
    {
        float[] inputs = { -1, -1, -1, 1, 1, -1, 1, 1 };
        float[] targets = { -1, -1, -1, 1 };
        var result = new SignPerceptron().TrainPerceptron(inputs, targets, maxEpochs: 100);
        Assert.True(result.Converged, result.ToString());
    }

    [Fact]
    public void Perceptron_rule_reports_xor_as_not_converged_after_the_epoch_limit()
    {
        var perceptron = new HeavisidePerceptron();
        var result = perceptron.TrainPerceptron(TwoBitInputs, new float[] { 0, 1, 1, 0 }, maxEpochs: 50);
        _output.WriteLine($"XOR: {result}");
        Assert.False(result.Converged);
        Assert.Equal(50, result.Epochs);
        Assert.True(result.MistakesInLastEpoch > 0);
        Assert.Contains("not converged", result.ToString());
    }

    [Fact]
    public void Iris_reaches_95_percent_on_a_held_out_split()
    {
        var data = ClassificationData.LoadCsv(TestData.PathOf("data", "iris.csv"));
        Assert.Equal(150, data.Count);
        var (train, test) = data.Split(testFraction: 0.3, seed: 42);
        var (mean, std) = train.FeatureStatistics();
        train = train.Standardize(mean, std);
        test = test.Standardize(mean, std);

        var net = new IrisNet();
        float[] targets = train.OneHotTargets();
        const int batch = 15;
        var order = new int[train.Count];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        var random = new SeededRandom(1);
        var inputs = new float[batch * 4];
        var batchTargets = new float[batch * 3];
        for (int epoch = 0; epoch < 200; epoch++)
        {
            random.Shuffle<int>(order);
            for (int start = 0; start + batch <= order.Length; start += batch)
            {
                for (int b = 0; b < batch; b++)
                {
                    train.Features.AsSpan(order[start + b] * 4, 4).CopyTo(inputs.AsSpan(b * 4));
                    targets.AsSpan(order[start + b] * 3, 3).CopyTo(batchTargets.AsSpan(b * 3));
                }
                net.TrainStep(inputs, batchTargets, batch);
            }
        }
        double trainAccuracy = Evaluation.Accuracy(net, train.Features, train.Labels);
        double testAccuracy = Evaluation.Accuracy(net, test.Features, test.Labels);
        _output.WriteLine($"Iris: train {trainAccuracy:P1}, held-out test ({test.Count} samples) {testAccuracy:P1}");
        Assert.True(testAccuracy >= 0.95, $"held-out accuracy {testAccuracy:P1}");
    }

    [Fact]
    public void A_residual_cnn_reaches_95_percent_on_the_uci_digits()
    {
        var (train, test, accuracy, history) = Compiled.Nets.Samples.Digits.Program.Train(TestData.PathOf("data", "digits.csv.gz"), epochs: 30);
        Assert.Equal(1797, train.Count + test.Count);
        _output.WriteLine($"UCI digits, residual CNN: held-out accuracy {accuracy:P2} on {test.Count} images after {history.Epochs.Count} epochs (train loss {history.Last.TrainingLoss:F4})");
        Assert.True(accuracy >= 0.95, $"held-out accuracy {accuracy:P2}");
    }

    [Fact]
    public void LeNet5_reaches_98_percent_on_the_mnist_subset_as_the_main_job_trains_it()
    {
        var (train, test) = Compiled.Nets.Data.Mnist.LoadDirectory(TestData.PathOf("data", "mnist"));
        using var net = new Compiled.Nets.Samples.Mnist.LeNet5() { Optimizer = new Compiled.Nets.Optimizers.Adam(1e-3f) };
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var history = net.Fit(train, Compiled.Nets.Samples.Mnist.Program.TrainingOptions(lenet: true, epochs: 20, seed: Compiled.Nets.Samples.Mnist.LeNet5.DefaultSeed));
        var (_, accuracy) = Compiled.Nets.Training.Trainer.Evaluate(net, test);
        _output.WriteLine($"LeNet-5: {accuracy:P2} on the {test.Count} test images after {history.Epochs.Count} epochs, {clock.Elapsed.TotalSeconds:F1} s");
        Assert.True(accuracy >= 0.98, $"test accuracy {accuracy:P2}");
    }
}
