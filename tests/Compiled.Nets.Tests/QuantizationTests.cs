using System;
using System.Linq;
using System.Threading.Tasks;
using Compiled.Nets.Data;
using Compiled.Nets.Quantization;
using Compiled.Nets.Samples.Mnist;
using Compiled.Nets.Training;
using Xunit;
using Xunit.Abstractions;

namespace Compiled.Nets.Tests;

/// <summary>A signed-input convolutional network with tanh (non-zero zero points, stride 2, padding) whose output is a convolution's levels.</summary>
[Network(Loss = Loss.MeanSquaredError, Seed = 4)]
public partial class QuantizableConvOutput
{
    [Input(2, 11, 11)] public partial Layer X { get; }
    [Conv2D(4, 3, Activation.Tanh, Stride = 2, PaddingSize = 1)] public partial Layer C1 { get; }
    [MaxPool(2, PaddingSize = 1)] public partial Layer P1 { get; }
    [Conv2D(3, 2, Activation.Linear)] public partial Layer C2 { get; }
}

/// <summary>docs/quantization.md's network, as written there.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, Seed = 1)]
public partial class MnistLeNet
{
    [Input(1, 28, 28)] public partial Layer Image { get; }
    [Conv2D(6, 5, Activation.ReLU, PaddingSize = 2)] public partial Layer C1 { get; }
    [MaxPool(2)] public partial Layer S2 { get; }
    [Conv2D(16, 5, Activation.ReLU)] public partial Layer C3 { get; }
    [MaxPool(2)] public partial Layer S4 { get; }
    [Dense(120, Activation.ReLU)] public partial Layer F5 { get; }
    [Dense(84, Activation.ReLU)] public partial Layer F6 { get; }
    [Dense(10, Activation.Softmax)] public partial Layer Digit { get; }
}

/// <summary>
/// The int8 model that <c>Quantize</c> makes: accuracy against float32 on the MNIST subset's held-out images (MLP and LeNet-5,
/// trained briefly as the main job trains them), agreement with the float network on other layer mixes, and the guards.
/// </summary>
public class QuantizationTests
{
    private readonly ITestOutputHelper _output;
    public QuantizationTests(ITestOutputHelper output) => _output = output;

    private static readonly Lazy<(ClassificationData Train, ClassificationData Test)> Data =
        new(() => Mnist.LoadDirectory(TestData.PathOf("data", "mnist")));

    private static double Accuracy(Func<float[], float[], bool> predict, ClassificationData data)
    {
        var outputs = new float[data.Count * 10];
        predict(data.Features, outputs);
        int correct = 0;
        for (int i = 0; i < data.Count; i++)
            if (Evaluation.ArgMax(outputs.AsSpan(i * 10, 10)) == data.Labels[i]) correct++;
        return (double)correct / data.Count;
    }

    /// <summary>The calibration sample: the first 500 training images.</summary>
    private static ReadOnlySpan<float> CalibrationImages(ClassificationData train) => train.Features.AsSpan(0, 500 * 784);

    [Fact]
    public void Mnist_mlp_in_int8_is_within_half_a_point_of_float32_on_held_out_images()
    {
        var (train, test) = Data.Value;
        using var net = new MnistMlp { Optimizer = new Optimizers.Adam(1e-3f) };
        net.Fit(train, Program.TrainingOptions(lenet: false, epochs: 4, seed: 1));
        var q = net.Quantize(CalibrationImages(train), 500);
        double float32 = Accuracy((x, y) => { net.Predict(x, y); return true; }, test);
        double int8 = Accuracy((x, y) => { q.Predict(x, y); return true; }, test);
        _output.WriteLine($"MLP on {test.Count} held-out images: float32 {float32:P2}, int8 {int8:P2} ({q.Path}); input {q.InputQuantization}");
        Assert.True(float32 > 0.90, $"float32 accuracy {float32:P2}: training went wrong");
        Assert.True(Math.Abs(float32 - int8) <= 0.005, $"int8 {int8:P2} against float32 {float32:P2}");
    }

    [Fact]
    public void LeNet5_in_int8_is_within_half_a_point_of_float32_on_held_out_images()
    {
        var (train, test) = Data.Value;
        using var net = new LeNet5 { Optimizer = new Optimizers.Adam(1e-3f) };
        net.Fit(train, Program.TrainingOptions(lenet: true, epochs: 3, seed: 1));
        var q = net.Quantize(CalibrationImages(train), 500);
        double float32 = Accuracy((x, y) => { net.Predict(x, y); return true; }, test);
        double int8 = Accuracy((x, y) => { q.Predict(x, y); return true; }, test);
        _output.WriteLine($"LeNet-5 on {test.Count} held-out images: float32 {float32:P2}, int8 {int8:P2} ({q.Path})");
        foreach (var layer in q.Layers) _output.WriteLine($"  {layer.Name}: input {layer.Input}, output {(layer.Output is { } o ? o.ToString() : "float")}");
        Assert.True(float32 > 0.95, $"float32 accuracy {float32:P2}: training went wrong");
        Assert.True(Math.Abs(float32 - int8) <= 0.005, $"int8 {int8:P2} against float32 {float32:P2}");
    }

    [Fact]
    public void The_documented_example_runs_as_written()
    {
        // docs/quantization.md, with the test's copy of the data.
        var (train, test) = Mnist.LoadDirectory(TestData.PathOf("data", "mnist"));
        using var net = new MnistLeNet { Optimizer = new Compiled.Nets.Optimizers.Adam(1e-3f) };
        net.Fit(train, new FitOptions { Epochs = 3, BatchSize = 64, Seed = 1 });

        // Calibrate on 500 training images: each activation tensor's range, then int8 weights per output channel.
        MnistLeNet.Quantized int8 = net.Quantize(train.Features.AsSpan(0, 500 * MnistLeNet.InputSize), sampleCount: 500);

        double float32Accuracy = Evaluation.Accuracy(net, test.Features, test.Labels);
        double int8Accuracy = Evaluation.Accuracy(int8, test.Features, test.Labels);
        _output.WriteLine($"float32 {float32Accuracy:P2}, int8 {int8Accuracy:P2} ({int8.Path})");

        Span<float> probabilities = stackalloc float[MnistLeNet.OutputSize];
        int8.Forward(test.Features.AsSpan(0, MnistLeNet.InputSize), probabilities);   // one image, no allocation

        Assert.True(Math.Abs(float32Accuracy - int8Accuracy) <= 0.005, $"int8 {int8Accuracy:P2} against float32 {float32Accuracy:P2}");
        Assert.Equal(1f, probabilities.ToArray().Sum(), 4);
    }

    [Fact]
    public void A_signed_tanh_convolution_network_follows_the_float_network_to_its_output_levels()
    {
        var net = new QuantizableConvOutput();
        var random = new SeededRandom(2);
        var inputs = TestData.Random(64 * QuantizableConvOutput.InputSize, seed: 9);
        var q = net.Quantize(inputs);
        Assert.NotEqual(0, q.InputQuantization.ZeroPoint); // signed inputs: the zero point is inside the range
        var expected = new float[QuantizableConvOutput.OutputSize];
        var actual = new float[QuantizableConvOutput.OutputSize];
        float range = 0f, worst = 0f;
        for (int s = 0; s < 16; s++)
        {
            var x = inputs.AsSpan(s * QuantizableConvOutput.InputSize, QuantizableConvOutput.InputSize);
            net.Forward(x, expected);
            q.Forward(x, actual);
            for (int i = 0; i < expected.Length; i++)
            {
                range = MathF.Max(range, MathF.Abs(expected[i]));
                worst = MathF.Max(worst, MathF.Abs(expected[i] - actual[i]));
            }
        }
        _output.WriteLine($"largest output {range}, largest int8 error {worst}");
        Assert.True(worst < 0.06f * range, $"int8 error {worst} on outputs up to {range}");
    }

    [Fact]
    public void Quantize_leaves_the_float_network_as_it_was_and_the_model_is_a_snapshot()
    {
        var (train, _) = Data.Value;
        var net = new MnistMlp();
        var before = net.Parameters.ToArray();
        var image = train.Features.AsSpan(0, 784).ToArray();
        var floatBefore = new float[10];
        net.Forward(image, floatBefore);
        var q = net.Quantize(CalibrationImages(train), 100);
        Assert.Equal(before, net.Parameters.ToArray());
        var floatAfter = new float[10];
        net.Forward(image, floatAfter);
        Assert.Equal(floatBefore, floatAfter);

        var first = new float[10];
        q.Forward(image, first);
        net.Parameters.Fill(0f); // later changes to the network do not reach the model
        var second = new float[10];
        q.Forward(image, second);
        Assert.Equal(first, second);
        Assert.Equal(1f, first.Sum(), 4);
    }

    [Fact]
    public void Quantized_weights_round_trip_within_half_a_step_of_the_float_weights()
    {
        var net = new LeNet5();
        var q = net.Quantize(TestData.Random(8 * LeNet5.InputSize, seed: 3));
        Assert.Equal(new[] { "C1", "C3", "F5", "F6", "Digit" }, q.Layers.Select(l => l.Name).ToArray());
        foreach (var layer in q.Layers)
        {
            var weights = net.Tensors.Single(t => t.Name == layer.Name + ".weight");
            var values = weights.Values.ToArray();
            Assert.Equal(layer.Outputs * layer.Depth, values.Length);
            for (int c = 0; c < layer.Outputs; c++)
                for (int k = 0; k < layer.Depth; k++)
                    Assert.True(MathF.Abs(layer.Weight(c, k) * layer.WeightScales[c] - values[c * layer.Depth + k]) <= layer.WeightScales[c] * 0.5001f,
                        $"{layer.Name} [{c}, {k}]");
        }
        Assert.Null(q.Layers[^1].Output); // the last layer writes floats
        Assert.Equal(q.Layers[0].Output, q.Layers[1].Input); // max pooling keeps C1's quantisation
    }

    [Fact]
    public void Bad_calibration_is_refused_before_anything_is_made()
    {
        var net = new MnistMlp();
        var before = net.Parameters.ToArray();
        var images = TestData.Random(3 * 784, seed: 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => net.Quantize(images, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => net.Quantize(images, -1));
        Assert.Throws<ArgumentException>(() => net.Quantize(images, 4));
        Assert.Throws<ArgumentException>(() => net.Quantize(ReadOnlySpan<float>.Empty));
        Assert.Throws<ArgumentException>(() => net.Quantize(images.AsSpan(1)));
        images[784 + 5] = float.NaN;
        var nan = Assert.Throws<ArgumentException>(() => net.Quantize(images, 3));
        Assert.Contains("sample 1", nan.Message);
        net.Quantize(images, 1); // the NaN is in a row that is not used
        Assert.Equal(before, net.Parameters.ToArray());
    }

    [Fact]
    public void Bad_inputs_to_the_int8_model_throw_and_leave_the_output_alone()
    {
        var net = new MnistMlp();
        var q = net.Quantize(TestData.Random(4 * 784, seed: 1));
        var image = new float[784];
        var output = Enumerable.Repeat(42f, 10).ToArray();
        Assert.Throws<ArgumentException>(() => q.Forward(new float[783], output));
        Assert.Throws<ArgumentException>(() => q.Forward(image, new float[9]));
        image[100] = float.NaN;
        Assert.Throws<ArgumentException>(() => q.Forward(image, output));
        image[100] = float.PositiveInfinity;
        Assert.Throws<ArgumentException>(() => q.Forward(image, output));
        Assert.All(output, v => Assert.Equal(42f, v));
        var outputs = Enumerable.Repeat(42f, 20).ToArray();
        Assert.Throws<ArgumentException>(() => q.Predict(new float[784 * 2 + 1], outputs));
        Assert.Throws<ArgumentException>(() => q.Predict(new float[784 * 3], outputs));
        var batch = new float[784 * 2];
        batch[784 + 3] = float.NaN;
        Assert.Throws<ArgumentException>(() => q.Predict(batch, outputs));
        Assert.All(outputs, v => Assert.Equal(42f, v));
        q.Predict(ReadOnlySpan<float>.Empty, Span<float>.Empty);
    }

    [Fact]
    public void Forward_and_predict_allocate_nothing_and_agree_across_threads()
    {
        var (train, test) = Data.Value;
        var net = new LeNet5();
        var q = net.Quantize(CalibrationImages(train), 200);
        var image = test.Features.AsSpan(0, 784).ToArray();
        var output = new float[10];
        var outputs = new float[40];
        var images = test.Features.AsSpan(0, 4 * 784).ToArray();
        q.Forward(image, output);
        q.Predict(images, outputs);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++)
        {
            q.Forward(image, output);
            q.Predict(images, outputs);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(output, outputs.AsSpan(0, 10).ToArray());

        var serial = new float[200 * 10];
        q.Predict(test.Features.AsSpan(0, 200 * 784), serial);
        var parallel = new float[200 * 10];
        Parallel.For(0, 200, new ParallelOptions { MaxDegreeOfParallelism = 4 },
            i => q.Forward(test.Features.AsSpan(i * 784, 784), parallel.AsSpan(i * 10, 10)));
        Assert.Equal(serial, parallel);
    }

    [Fact]
    public void A_network_with_a_layer_that_has_no_int8_form_says_which()
    {
#pragma warning disable CS0618 // Quantize is marked obsolete on such networks: the warning is the compile-time diagnostic
        var residual = new ReadmeCnn();
        var error = Assert.Throws<NotSupportedException>(() => residual.Quantize(new float[784], 1));
        Assert.Contains("Residual", error.Message);
        var norm = new InputBatchNormNet();
        error = Assert.Throws<NotSupportedException>(() => norm.Quantize(new float[4], 1));
        Assert.Contains("Norm", error.Message);
#pragma warning restore CS0618
        var obsolete = typeof(ReadmeCnn).GetMethod("Quantize")!.GetCustomAttributes(typeof(ObsoleteAttribute), false);
        Assert.Single(obsolete);
    }
}
