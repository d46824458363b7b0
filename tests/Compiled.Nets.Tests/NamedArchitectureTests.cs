using System;
using System.Collections.Generic;
using System.Linq;
using Compiled.Nets.Cuda;
using Compiled.Nets.Optimizers;
using Xunit;
using Xunit.Abstractions;

namespace Compiled.Nets.Tests;

/// <summary>
/// The named architectures of NamedArchitectureNetworks.cs (AlexNet, VGG, Inception, ResNet, MobileNet blocks; a U-Net, a
/// SegNet, 1-D max-unpooling) against PyTorch (float64, tests/scripts/make_architecture_golden_fixtures.py →
/// Fixtures/golden_architectures.json): outputs in training mode and at inference, loss, gradients, BatchNorm running
/// statistics and one SGD step; and each against central differences.
/// </summary>
public class NamedArchitectureGoldenTests
{
    private readonly ITestOutputHelper _output;
    public NamedArchitectureGoldenTests(ITestOutputHelper output) => _output = output;

    internal static readonly Dictionary<string, Func<int, ITrainableNetwork>> Networks = new()
    {
        [nameof(AlexNetBlock)] = seed => new AlexNetBlock(seed),
        [nameof(VggBlock)] = seed => new VggBlock(seed),
        [nameof(InceptionModule)] = seed => new InceptionModule(seed),
        [nameof(ResNetBlocks)] = seed => new ResNetBlocks(seed),
        [nameof(MobileNetBlocks)] = seed => new MobileNetBlocks(seed),
        [nameof(UNetSmall)] = seed => new UNetSmall(seed),
        [nameof(SegNetSmall)] = seed => new SegNetSmall(seed),
        [nameof(Unpool1DNet)] = seed => new Unpool1DNet(seed),
    };

    private sealed record ArchitectureCase(GoldenTests.GoldenCase Golden, float[] OutputsEval, float[] State);

    private static readonly Lazy<Dictionary<string, ArchitectureCase>> Cases = new(() =>
        GoldenTests.ReadFixture("golden_architectures.json", static (golden, c) =>
            new ArchitectureCase(golden, GoldenTests.Floats(c.GetProperty("outputs_eval")), GoldenTests.Floats(c.GetProperty("state"))))
            .ToDictionary(c => c.Golden.Name));

    public static IEnumerable<object[]> CaseNames() => Networks.Keys.Select(k => new object[] { k });

    [Fact]
    public void Every_fixture_case_has_a_network() =>
        Assert.Equal(Networks.Keys.OrderBy(k => k), Cases.Value.Keys.OrderBy(k => k));

    private static float[] RunningStatistics(ITrainableNetwork net) =>
        net.Tensors.Where(t => t.Name.EndsWith(".running_mean") || t.Name.EndsWith(".running_var")).SelectMany(t => t.Values.ToArray()).ToArray();

    /// <summary>Back to PyTorch's starting statistics (means 0, variances 1).</summary>
    private static void ResetRunningStatistics(ITrainableNetwork net)
    {
        foreach (var t in net.Tensors.Where(t => t.Name.EndsWith(".running_mean"))) t.Values.Fill(0f);
        foreach (var t in net.Tensors.Where(t => t.Name.EndsWith(".running_var"))) t.Values.Fill(1f);
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Matches_pytorch(string name)
    {
        var (golden, outputsEval, state) = Cases.Value[name];
        var net = Networks[name](1);
        Assert.Equal(golden.Parameters.Length, net.Parameters.Length);
        golden.Parameters.CopyTo(net.Parameters);

        // The training forward pass (batch statistics): PyTorch's outputs in training mode.
        var composable = Assert.IsAssignableFrom<IComposableNetwork>(net);
        var outputs = new float[golden.Outputs.Length];
        composable.ForwardTraining(golden.Inputs, outputs, golden.Batch);
        double trainingOutputError = GoldenTests.MaxError(outputs, golden.Outputs);
        ResetRunningStatistics(net);

        float loss = net.ComputeGradients(golden.Inputs, golden.Targets, golden.Batch);
        double lossError = Math.Abs(loss - golden.Loss) / Math.Max(1, Math.Abs(golden.Loss));
        double gradientError = GoldenTests.MaxError(net.Gradients.ToArray(), golden.Gradients);
        double stateError = GoldenTests.MaxError(RunningStatistics(net), state);

        // Inference with the running statistics of that one pass.
        net.Predict(golden.Inputs, outputs);
        double outputError = GoldenTests.MaxError(outputs, outputsEval);

        ResetRunningStatistics(net);
        net.LearningRate = golden.LearningRate;
        net.TrainStep(golden.Inputs, golden.Targets, golden.Batch);
        double stepError = GoldenTests.MaxError(net.Parameters.ToArray(), golden.ParametersAfterSgd);

        _output.WriteLine($"{name}: {net.Parameters.Length} parameters; outputs training {trainingOutputError:E2}, inference {outputError:E2}, " +
            $"loss {lossError:E2}, gradients {gradientError:E2}, running statistics {stateError:E2}, SGD step {stepError:E2}");
        Assert.True(trainingOutputError < 2e-5, $"training outputs differ by {trainingOutputError:E2}");
        Assert.True(outputError < 2e-5, $"inference outputs differ by {outputError:E2}");
        Assert.True(lossError < 2e-5, $"loss {loss} vs PyTorch {golden.Loss}");
        Assert.True(gradientError < 5e-5, $"gradients differ by {gradientError:E2}");
        Assert.True(stateError < 2e-5, $"running statistics differ by {stateError:E2}");
        Assert.True(stepError < 2e-5, $"parameters after one SGD step differ by {stepError:E2}");
    }

    public static IEnumerable<object[]> GradientCases() => new[]
    {
        new object[] { "AlexNet: 7×7 stride 2, ReLU, LRN(5), overlapping max pooling, Dense", (Func<ITrainableNetwork>)(() => new AlexNetBlock(2)), GradientCheckTests.Targets.OneHot },
        new object[] { "VGG: two 3×3 same convolutions, max pooling", (Func<ITrainableNetwork>)(() => new VggBlock(3)), GradientCheckTests.Targets.OneHot },
        new object[] { "Inception: 1×1, 1×1→3×3, 1×1→5×5, pool→1×1, Concat of four", (Func<ITrainableNetwork>)(() => new InceptionModule(4)), GradientCheckTests.Targets.OneHot },
        new object[] { "ResNet: identity and stride-2 projection blocks with BatchNorm", (Func<ITrainableNetwork>)(() => new ResNetBlocks(5)), GradientCheckTests.Targets.OneHot },
        new object[] { "MobileNet: depthwise (stride 1 and 2) and pointwise with BatchNorm", (Func<ITrainableNetwork>)(() => new MobileNetBlocks(6)), GradientCheckTests.Targets.OneHot },
        new object[] { "U-Net: transposed upsampling, Concat skips → per-pixel BCE", (Func<ITrainableNetwork>)(() => new UNetSmall(7)), GradientCheckTests.Targets.Probabilities },
        new object[] { "SegNet: two MaxUnpool with the encoder's switches → per-pixel BCE", (Func<ITrainableNetwork>)(() => new SegNetSmall(8)), GradientCheckTests.Targets.Probabilities },
        new object[] { "1-D max-unpooling of a padded pooling → MSE", (Func<ITrainableNetwork>)(() => new Unpool1DNet(9)), GradientCheckTests.Targets.Gaussian },
    };

    [Theory]
    [MemberData(nameof(GradientCases))]
    public void Analytic_gradients_match_central_differences(string description, Func<ITrainableNetwork> create, GradientCheckTests.Targets kind)
    {
        var net = create();
        const int batch = 4;
        float[] inputs = TestData.Random(batch * net.InputLength, seed: 100);
        float[] targets = kind switch
        {
            GradientCheckTests.Targets.OneHot => TestData.OneHot(batch, net.OutputLength, seed: 200),
            GradientCheckTests.Targets.Probabilities => TestData.Probabilities(batch * net.OutputLength, seed: 200),
            _ => TestData.Random(batch * net.OutputLength, seed: 200),
        };
        // ReLU units and max-pooling winners have kinks within h of some parameters' values (and max-unpooling a step, as
        // a value moves with its switch): there the analytic gradient must match one side's difference. Through BatchNorm
        // each parameter moves every unit of the batch, so a few elements meet kinks on both sides: at most 0.5%.
        var (relativeNorm, worst, kinks, beyond) = GradientCheckTests.CompareAllowingKinks(net, inputs, targets, batch, training: true);
        _output.WriteLine($"{description}: {net.Parameters.Length} parameters, ‖num − analytic‖/‖num‖ = {relativeNorm:E2}, worst element {worst:E2}; " +
            $"{kinks} compared one-sided, {beyond.Count} beyond 5e-2{(beyond.Count > 0 ? ": " + string.Join("; ", beyond.Take(5)) : "")}");
        Assert.True(relativeNorm < 2e-2, $"relative gradient error {relativeNorm:E2}");
        Assert.True(beyond.Count <= net.Parameters.Length / 200, $"{beyond.Count} of {net.Parameters.Length} elements differ by more than 5e-2: {string.Join("; ", beyond.Take(5))}");
        Assert.True(kinks <= net.Parameters.Length / 50, $"{kinks} of {net.Parameters.Length} parameters needed a one-sided difference");
    }
}

/// <summary>
/// Each classifier architecture learns a small synthetic task (horizontal bar, vertical bar or square, in noise) within a
/// few hundred steps: the held-out loss falls below a quarter of where it started and over 90% of held-out images are classified right.
/// </summary>
public class NamedArchitectureLearningTests
{
    private readonly ITestOutputHelper _output;
    public NamedArchitectureLearningTests(ITestOutputHelper output) => _output = output;

    /// <summary>
    /// Images [channels, size, size] of three classes: a horizontal bar two rows high (0), a vertical bar two columns wide
    /// (1), a square of side size/3 + 1 (2), at random places with random brightness per channel, in Gaussian noise.
    /// </summary>
    internal static (float[] Images, float[] Labels) Shapes(int count, int channels, int size, int seed)
    {
        var random = new SeededRandom(seed);
        var images = new float[count * channels * size * size];
        var labels = new float[count * 3];
        int side = size / 3 + 1;
        for (int n = 0; n < count; n++)
        {
            int kind = random.NextInt(3);
            labels[n * 3 + kind] = 1f;
            int row = random.NextInt(size - side + 1), column = random.NextInt(size - side + 1), at = random.NextInt(size - 1);
            for (int c = 0; c < channels; c++)
            {
                float brightness = 0.5f + random.NextFloat();
                for (int y = 0; y < size; y++)
                    for (int x = 0; x < size; x++)
                    {
                        bool on = kind switch
                        {
                            0 => y == at || y == at + 1,
                            1 => x == at || x == at + 1,
                            _ => y >= row && y < row + side && x >= column && x < column + side,
                        };
                        images[((n * channels + c) * size + y) * size + x] = (on ? brightness : 0f) + 0.3f * random.NextGaussian();
                    }
            }
        }
        return (images, labels);
    }

    public static IEnumerable<object[]> Classifiers() => new[]
    {
        new object[] { nameof(AlexNetBlock) }, new object[] { nameof(VggBlock) }, new object[] { nameof(InceptionModule) },
        new object[] { nameof(ResNetBlocks) }, new object[] { nameof(MobileNetBlocks) },
    };

    [Theory]
    [MemberData(nameof(Classifiers))]
    public void Learns_bars_and_squares(string name)
    {
        var net = NamedArchitectureGoldenTests.Networks[name](11);
        int channels = 3, size = (int)Math.Round(Math.Sqrt(net.InputLength / channels));
        Assert.Equal(net.InputLength, channels * size * size);
        const int train = 384, test = 192, batch = 16, epochs = 6;
        var (images, labels) = Shapes(train, channels, size, seed: 1);
        var (testImages, testLabels) = Shapes(test, channels, size, seed: 2);
        net.Optimizer = new Adam(0.005f);
        float before = net.EvaluateLoss(testImages, testLabels, test);
        var started = System.Diagnostics.Stopwatch.StartNew();
        for (int epoch = 0; epoch < epochs; epoch++)
            for (int start = 0; start + batch <= train; start += batch)
                net.TrainStep(images.AsSpan(start * net.InputLength, batch * net.InputLength), labels.AsSpan(start * 3, batch * 3), batch);
        float after = net.EvaluateLoss(testImages, testLabels, test);
        var outputs = new float[test * 3];
        net.Predict(testImages, outputs);
        int correct = 0;
        for (int n = 0; n < test; n++)
        {
            int predicted = 0, truth = 0;
            for (int k = 1; k < 3; k++)
            {
                if (outputs[n * 3 + k] > outputs[n * 3 + predicted]) predicted = k;
                if (testLabels[n * 3 + k] > testLabels[n * 3 + truth]) truth = k;
            }
            if (predicted == truth) correct++;
        }
        double accuracy = (double)correct / test;
        _output.WriteLine($"{name}: held-out loss {before:F3} → {after:F3}, accuracy {accuracy:P1} after {epochs} epochs of {train} ({started.Elapsed.TotalSeconds:F1} s)");
        Assert.True(after < 0.25f * before, $"loss {before} → {after}");
        Assert.True(accuracy > 0.9, $"accuracy {accuracy:P1}");
    }
}

/// <summary>
/// The named architectures on the GPU path end to end (UseDevice, the captured graph, momentum steps), on the CPU
/// emulation of the generated CUDA, against the C# path.
/// </summary>
[Collection("CUDA backend")]
public sealed class NamedArchitectureEmulatedGpuTests : IDisposable
{
    private readonly ITestOutputHelper _output;
    private readonly EmulatedCudaBackend _backend = new();

    public NamedArchitectureEmulatedGpuTests(ITestOutputHelper output)
    {
        _output = output;
        CudaBackends.UseForTesting(() => _backend, EmulatedCudaBackend.EmulatedStatus);
    }

    public void Dispose() => CudaBackends.UseForTesting(null, null);

    public static IEnumerable<object[]> CaseNames() => NamedArchitectureGoldenTests.CaseNames();

    [ToolTheory(CudaToolchain.Gxx)]
    [MemberData(nameof(CaseNames))]
    public void Trains_on_the_device_like_on_the_cpu(string name)
    {
        const int batch = 4;
        using var cpu = NamedArchitectureGoldenTests.Networks[name](21);
        using var gpu = NamedArchitectureGoldenTests.Networks[name](21);
        cpu.Optimizer = new Sgd(0.05f, momentum: 0.9f);
        gpu.Optimizer = new Sgd(0.05f, momentum: 0.9f);
        gpu.UseDevice(Device.Cuda);
        float[] inputs = TestData.Random(batch * cpu.InputLength, 7);
        float[] targets = cpu.OutputLength == 3 ? TestData.OneHot(batch, 3, 8)
            : name == nameof(Unpool1DNet) ? TestData.Random(batch * cpu.OutputLength, 8) : TestData.Probabilities(batch * cpu.OutputLength, 8);
        // Two steps: the second applies the momentum of the first. (The emulation runs a block's threads as OS threads,
        // and the weight gradients one block per weight, so these take tens of seconds each.)
        for (int step = 0; step < 2; step++)
        {
            float expected = cpu.TrainStep(inputs, targets, batch), actual = gpu.TrainStep(inputs, targets, batch);
            Assert.True(Math.Abs(expected - actual) <= 1e-5 * Math.Max(1, Math.Abs(expected)), $"step {step}: loss {actual} on the device, {expected} on the CPU");
        }
        double parameterError = GoldenTests.MaxError(gpu.Parameters.ToArray(), cpu.Parameters.ToArray());
        var cpuOut = new float[batch * cpu.OutputLength];
        var gpuOut = new float[batch * gpu.OutputLength];
        cpu.Predict(inputs, cpuOut);
        gpu.Predict(inputs, gpuOut);
        double outputError = GoldenTests.MaxError(gpuOut, cpuOut);
        double statisticsError = GoldenTests.MaxError(
            gpu.Tensors.Where(t => t.Name.Contains("running_")).SelectMany(t => t.Values.ToArray()).ToArray(),
            cpu.Tensors.Where(t => t.Name.Contains("running_")).SelectMany(t => t.Values.ToArray()).ToArray());
        _output.WriteLine($"{name} after 2 momentum steps on the emulated device: parameters {parameterError:E2}, outputs {outputError:E2}, running statistics {statisticsError:E2}; {_backend.Launches} launches");
        Assert.True(parameterError < 1e-5, $"parameters differ by {parameterError:E2}");
        Assert.True(outputError < 1e-5, $"outputs differ by {outputError:E2}");
        Assert.True(statisticsError < 1e-5, $"running statistics differ by {statisticsError:E2}");
    }
}
