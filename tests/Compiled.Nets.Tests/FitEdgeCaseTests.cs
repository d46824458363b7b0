using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.InteropServices;
using Compiled.Nets.Data;
using Compiled.Nets.IO;
using Compiled.Nets.Optimizers;
using Compiled.Nets.Training;
using Xunit;

namespace Compiled.Nets.Tests;

/// <summary>
/// Fit's edge cases (docs/training.md, "Edge cases and errors"): every mistake in the data or the options is a clear
/// exception thrown before the first step, so the parameters stay bitwise the same and no step is counted.
/// </summary>
public class FitEdgeCaseTests
{
    /// <summary>Twelve iris-like samples of 4 features and 3 classes, four of each.</summary>
    private static ClassificationData Small(int count = 12)
    {
        var features = new float[count * 4];
        var labels = new int[count];
        var random = new Random(7);
        for (int i = 0; i < count; i++)
        {
            labels[i] = i % 3;
            for (int f = 0; f < 4; f++) features[i * 4 + f] = labels[i] + (float)random.NextDouble();
        }
        return new ClassificationData(features, labels, 4, 3);
    }

    /// <summary>Runs <paramref name="fit"/>, expects <typeparamref name="TException"/>, and checks that nothing changed.</summary>
    private static TException AssertRefusedBeforeAnyStep<TException>(ITrainableNetwork net, Action fit) where TException : Exception
    {
        int[] before = MemoryMarshal.Cast<float, int>(net.Parameters).ToArray();
        long steps = net.StepCount;
        var e = Assert.Throws<TException>(fit);
        Assert.Equal(steps, net.StepCount);
        Assert.Equal(before, MemoryMarshal.Cast<float, int>(net.Parameters).ToArray());
        return e;
    }

    // ---- Empty sets ----

    [Fact]
    public void An_empty_training_set_is_refused()
    {
        // It used to divide by zero working out the batches.
        var net = new IrisNet();
        var empty = new ClassificationData(Array.Empty<float>(), Array.Empty<int>(), 4, 3);
        var e = AssertRefusedBeforeAnyStep<ArgumentException>(net, () => net.Fit(empty));
        Assert.Equal("train", e.ParamName);
        Assert.Contains("no samples", e.Message);
    }

    [Fact]
    public void Empty_training_rows_are_refused()
    {
        var net = new GoldenLeakySoftplusMse(2);
        var e = AssertRefusedBeforeAnyStep<ArgumentException>(net, () => net.Fit(Array.Empty<float>(), Array.Empty<float>()));
        Assert.Equal("inputs", e.ParamName);
        Assert.Contains("no samples", e.Message);
    }

    [Fact]
    public void An_empty_validation_set_is_refused_rather_than_taken_as_none()
    {
        var net = new IrisNet();
        var empty = new ClassificationData(Array.Empty<float>(), Array.Empty<int>(), 4, 3);
        var e = AssertRefusedBeforeAnyStep<ArgumentException>(net, () => net.Fit(Small(), new FitOptions { Epochs = 2 }, validation: empty));
        Assert.Equal("validation", e.ParamName);
        Assert.Contains("no samples", e.Message);
        Assert.Contains("pass null", e.Message);
    }

    [Fact]
    public void Evaluating_an_empty_set_is_refused()
    {
        var empty = new ClassificationData(Array.Empty<float>(), Array.Empty<int>(), 4, 3);
        var e = Assert.Throws<ArgumentException>(() => Trainer.Evaluate(new IrisNet(), empty));
        Assert.Equal("data", e.ParamName);
        Assert.Contains("nothing to evaluate", e.Message);
    }

    [Fact]
    public void Empty_validation_rows_are_refused()
    {
        var net = new GoldenLeakySoftplusMse(2);
        float[] x = TestData.Random(8 * 3, 1), y = TestData.Random(8 * 2, 2);
        var e = AssertRefusedBeforeAnyStep<ArgumentException>(net, () => net.Fit(x, y, validation: (Array.Empty<float>(), Array.Empty<float>())));
        Assert.Equal("validation.Inputs", e.ParamName);
    }

    // ---- Sizes that work ----

    [Fact]
    public void One_sample_trains_one_step_per_epoch()
    {
        var net = new IrisNet();
        var history = net.Fit(Small(1), new FitOptions { Epochs = 3 });
        Assert.Equal(3, net.StepCount);
        Assert.Equal(3, history.Epochs.Count);
        Assert.All(history.Epochs, e => Assert.True(float.IsFinite(e.TrainingLoss)));
    }

    [Fact]
    public void A_batch_larger_than_the_data_is_one_batch_of_all_of_it_per_epoch()
    {
        var data = Small(10);
        var larger = new IrisNet();
        larger.Fit(data, new FitOptions { Epochs = 4, BatchSize = 64, Seed = 3 });
        Assert.Equal(4, larger.StepCount);
        var exact = new IrisNet();
        exact.Fit(data, new FitOptions { Epochs = 4, BatchSize = 10, Seed = 3 });
        Assert.Equal(exact.Parameters.ToArray(), larger.Parameters.ToArray());
    }

    // ---- Options ----

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public void A_batch_size_below_one_is_refused(int batchSize)
    {
        var net = new IrisNet();
        var e = AssertRefusedBeforeAnyStep<ArgumentOutOfRangeException>(net, () => net.Fit(Small(), new FitOptions { BatchSize = batchSize }));
        Assert.Equal("BatchSize", e.ParamName);
        Assert.Equal(batchSize, e.ActualValue);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void Epochs_below_one_are_refused(int epochs)
    {
        var net = new IrisNet();
        var e = AssertRefusedBeforeAnyStep<ArgumentOutOfRangeException>(net, () => net.Fit(Small(), new FitOptions { Epochs = epochs }));
        Assert.Equal("Epochs", e.ParamName);
        Assert.Equal(epochs, e.ActualValue);
    }

    [Fact]
    public void Bad_options_are_refused_by_the_rows_overload_too()
    {
        var net = new GoldenLeakySoftplusMse(2);
        float[] x = TestData.Random(8 * 3, 1), y = TestData.Random(8 * 2, 2);
        var e = AssertRefusedBeforeAnyStep<ArgumentOutOfRangeException>(net, () => net.Fit(x, y, new FitOptions { BatchSize = 0 }));
        Assert.Equal("BatchSize", e.ParamName);
    }

    // ---- Labels, features, targets ----

    [Theory]
    [InlineData(3)]
    [InlineData(-1)]
    public void A_label_outside_the_classes_is_refused_with_its_sample(int label)
    {
        // ClassificationData checks its labels when built, but its arrays are the caller's.
        var data = Small();
        data.Labels[5] = label;
        var net = new IrisNet();
        var e = AssertRefusedBeforeAnyStep<ArgumentOutOfRangeException>(net, () => net.Fit(data));
        Assert.Equal("train", e.ParamName);
        Assert.Contains("sample 5", e.Message);
        Assert.Contains($"label {label}", e.Message);
    }

    [Fact]
    public void A_label_outside_the_classes_in_the_validation_set_is_refused()
    {
        var validation = Small(6);
        validation.Labels[4] = 9;
        var net = new IrisNet();
        var e = AssertRefusedBeforeAnyStep<ArgumentOutOfRangeException>(net, () => net.Fit(Small(), validation: validation));
        Assert.Equal("validation", e.ParamName);
        Assert.Contains("sample 4", e.Message);
    }

    [Fact]
    public void A_binary_label_above_1_for_a_single_output_network_is_refused()
    {
        // A network with one output takes the label itself as its target: only 0 and 1 fit two classes.
        var data = new ClassificationData(new float[] { 0, 0, 0, 1, 1, 0, 1, 1 }, new[] { 0, 1, 1, 0 }, 2, 2);
        data.Labels[2] = 2;
        var net = new XorNet();
        var e = AssertRefusedBeforeAnyStep<ArgumentOutOfRangeException>(net, () => net.Fit(data));
        Assert.Contains("sample 2", e.Message);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    public void A_feature_that_is_not_finite_is_refused_with_its_sample_and_feature(float value)
    {
        var data = Small();
        data.Features[7 * 4 + 2] = value;
        var net = new IrisNet();
        var e = AssertRefusedBeforeAnyStep<ArgumentException>(net, () => net.Fit(data));
        Assert.Equal("train", e.ParamName);
        Assert.Contains("feature 2 of sample 7", e.Message);
    }

    [Fact]
    public void A_validation_feature_that_is_not_finite_is_refused()
    {
        var validation = Small(6);
        validation.Features[3] = float.NaN;
        var net = new IrisNet();
        var e = AssertRefusedBeforeAnyStep<ArgumentException>(net, () => net.Fit(Small(), validation: validation));
        Assert.Equal("validation", e.ParamName);
        Assert.Contains("feature 3 of sample 0", e.Message);
    }

    [Fact]
    public void Rows_that_are_not_finite_are_refused_with_their_sample()
    {
        var net = new GoldenLeakySoftplusMse(2);
        float[] x = TestData.Random(8 * 3, 1), y = TestData.Random(8 * 2, 2);
        x[4 * 3 + 1] = float.NaN;
        var e = AssertRefusedBeforeAnyStep<ArgumentException>(net, () => net.Fit(x, y));
        Assert.Equal("inputs", e.ParamName);
        Assert.Contains("input 1 of sample 4", e.Message);
        x[4 * 3 + 1] = 0f;
        y[6 * 2] = float.PositiveInfinity;
        e = AssertRefusedBeforeAnyStep<ArgumentException>(net, () => net.Fit(x, y));
        Assert.Equal("targets", e.ParamName);
        Assert.Contains("target 0 of sample 6", e.Message);
    }

    [Fact]
    public void Partial_rows_are_refused()
    {
        var net = new GoldenLeakySoftplusMse(2);
        var e = AssertRefusedBeforeAnyStep<ArgumentException>(net, () => net.Fit(new float[7], new float[4]));
        Assert.Contains("not a whole number of samples", e.Message);
    }

    // ---- Class weights ----

    [Theory]
    [InlineData(float.NaN, "finite")]
    [InlineData(-1f, "not negative")]
    [InlineData(0f, "weigh nothing")]
    public void Class_weights_that_do_not_fit_the_classes_are_refused(float weight, string problem)
    {
        var net = new IrisNet();
        var e = AssertRefusedBeforeAnyStep<ArgumentException>(net, () => net.Fit(Small(), new FitOptions { ClassWeights = new[] { 1f, weight, 1f } }));
        Assert.Contains("ClassWeights[1]", e.Message);
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void A_zero_class_weight_is_allowed_for_a_class_without_training_samples()
    {
        // ClassWeights.Balanced gives 0 to a class that never appears.
        var data = Small();
        var twoClasses = data.Subset(Enumerable.Range(0, data.Count).Where(i => data.Labels[i] != 2).ToArray());
        var net = new IrisNet();
        net.Fit(twoClasses, new FitOptions { Epochs = 1, ClassWeights = ClassWeights.Balanced(twoClasses.Labels, 3) });
        Assert.Equal(1, net.StepCount);
    }

    // ---- Targets a network refuses ----

    [Fact]
    public void A_target_the_network_refuses_is_refused_before_the_first_step()
    {
        // The trainer does not know the loss: it asks the network about the first target outside [0, 1] (at inference,
        // which changes nothing), so a network that refuses it (binary cross-entropy) does so before any step.
        var net = new RefusingTargetsAbove1(new XorNet());
        float[] x = { 0, 0, 0, 1, 1, 0, 1, 1 };
        float[] y = { 0, 1, 1, 0 };
        y[3] = 2f;
        var e = AssertRefusedBeforeAnyStep<ArgumentOutOfRangeException>(net, () => net.Fit(x, y, new FitOptions { Epochs = 5, BatchSize = 1, Shuffle = false }));
        Assert.Contains("outside [0, 1]", e.Message);
        Assert.Equal(1, net.Evaluations);
    }

    [Fact]
    public void Targets_outside_0_to_1_train_a_network_that_takes_them()
    {
        var net = new GoldenLeakySoftplusMse(2);
        float[] x = TestData.Random(8 * 3, 1), y = TestData.Random(8 * 2, 2).Select(v => 5 * v).ToArray();
        net.Fit(x, y, new FitOptions { Epochs = 2, BatchSize = 4 });
        Assert.Equal(4, net.StepCount);
    }

    /// <summary>A network that refuses targets above 1 in every loss, as a binary cross-entropy network may.</summary>
    private sealed class RefusingTargetsAbove1(ITrainableNetwork inner) : ITrainableNetwork
    {
        public int Evaluations { get; private set; }

        private static void Check(ReadOnlySpan<float> targets)
        {
            for (int i = 0; i < targets.Length; i++)
                if (targets[i] > 1f) throw new ArgumentOutOfRangeException(nameof(targets), targets[i], $"target {i} is outside [0, 1]");
        }

        public float EvaluateLoss(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batchSize, bool training = false)
        {
            Evaluations++;
            Check(targets);
            return inner.EvaluateLoss(inputs, targets, batchSize, training);
        }

        public float ComputeGradients(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batchSize, ReadOnlySpan<float> sampleWeights = default)
        {
            Check(targets);
            return inner.ComputeGradients(inputs, targets, batchSize, sampleWeights);
        }

        public float TrainStep(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batchSize, ReadOnlySpan<float> sampleWeights = default)
        {
            Check(targets);
            return inner.TrainStep(inputs, targets, batchSize, sampleWeights);
        }

        public ReadOnlySpan<float> Gradients => inner.Gradients;
        public Optimizer Optimizer { get => inner.Optimizer; set => inner.Optimizer = value; }
        public float LearningRate { get => inner.LearningRate; set => inner.LearningRate = value; }
        public float MaxGradientNorm { get => inner.MaxGradientNorm; set => inner.MaxGradientNorm = value; }
        public long StepCount => inner.StepCount;
        public bool Trainable { get => inner.Trainable; set => inner.Trainable = value; }
        public Device Device => inner.Device;
        public string UseDevice(Device device) => inner.UseDevice(device);
        public int InputLength => inner.InputLength;
        public int OutputLength => inner.OutputLength;
        public Span<float> Parameters => inner.Parameters;
        public IReadOnlyList<Layer> Layers => inner.Layers;
        public IReadOnlyList<NamedTensor> Tensors => inner.Tensors;
        public void Forward(ReadOnlySpan<float> input, Span<float> output) => inner.Forward(input, output);
        public void Predict(ReadOnlySpan<float> inputs, Span<float> outputs) => inner.Predict(inputs, outputs);
        public void InitializeParameters(int seed) => inner.InitializeParameters(seed);
        public string Summary() => inner.Summary();
        public void ExportOnnx(string path) => inner.ExportOnnx(path);
        public void Dispose() => inner.Dispose();
    }
}
