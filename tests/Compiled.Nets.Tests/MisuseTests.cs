using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Compiled.Nets.IO;
using Compiled.Nets.Optimizers;
using Xunit;

namespace Compiled.Nets.Tests;

/// <summary>
/// Misuse of the public API, one case per argument and bad value of every training and inference method: each call
/// must throw a clear exception and leave the network exactly as it was. "Exactly" is checked twice: the parameters,
/// gradients, step count and every saved tensor (running statistics) are bitwise the same, and a valid step taken
/// afterwards gives bitwise the same result as on a twin network that never saw the bad call (which also covers the
/// optimizer's state and the random streams).
/// </summary>
public class MisuseTests
{
    private const int Batch = 4;

    /// <summary>A network under test: how to make it (with its optimizer) and a valid batch for it.</summary>
    private sealed record Subject(string Name, Func<ITrainableNetwork> Make, bool ProbabilityTargets)
    {
        public ITrainableNetwork Create()
        {
            var net = Make();
            // Two steps first, so the optimizer has state and BatchNorm's statistics have moved.
            var (x, t) = ValidBatch(net);
            net.TrainStep(x, t, Batch);
            net.TrainStep(x, t, Batch);
            return net;
        }
    }

    private static readonly Subject[] Subjects =
    {
        new("XorNet (BCE on logistic, unrolled, SGD)", () => new XorNet(), ProbabilityTargets: true),
        new("GoldenTanhLogisticBce (BCE, Adam)", () => new GoldenTanhLogisticBce { Optimizer = new Adam(0.01f) }, ProbabilityTargets: true),
        new("BatchNormNet (MSE, BatchNorm, Adam, clipping)", () => new BatchNormNet { Optimizer = new Adam(0.01f), MaxGradientNorm = 1f }, ProbabilityTargets: false),
        new("ConvBatchNormDropoutNet (CE, conv, BatchNorm, dropout, momentum)", () => new ConvBatchNormDropoutNet { Optimizer = new Sgd(0.05f, momentum: 0.9f) }, ProbabilityTargets: false),
    };

    private static (float[] Inputs, float[] Targets) ValidBatch(INetwork net)
    {
        float[] inputs = TestData.Random(Batch * net.InputLength, 101);
        float[] targets = TestData.Probabilities(Batch * net.OutputLength, 102);
        return (inputs, targets);
    }

    /// <summary>One bad call: its name, the call, and the exception type it must throw (or a subclass).</summary>
    private sealed record Misuse(string Name, Action<ITrainableNetwork, float[], float[]> Call, Type Expected);

    private static IEnumerable<Misuse> MisusesOf(Subject subject)
    {
        var argument = typeof(ArgumentException);

        // Batch methods: TrainStep, ComputeGradients (both with sample weights), EvaluateLoss at inference and in training.
        var batchMethods = new (string Name, Func<ITrainableNetwork, float[], float[], int, float[]?, float> Call, bool Weights)[]
        {
            ("TrainStep", (n, x, t, b, w) => n.TrainStep(x, t, b, w), true),
            ("ComputeGradients", (n, x, t, b, w) => n.ComputeGradients(x, t, b, w), true),
            ("EvaluateLoss(training: false)", (n, x, t, b, _) => n.EvaluateLoss(x, t, b, training: false), false),
            ("EvaluateLoss(training: true)", (n, x, t, b, _) => n.EvaluateLoss(x, t, b, training: true), false),
        };
        foreach (var method in batchMethods)
        {
            var call = method.Call;
            foreach (int delta in new[] { -1, 1 })
            {
                yield return new($"{method.Name}: inputs {delta:+0;-0} value", (n, x, t) => call(n, Resize(x, x.Length + delta), t, Batch, null), argument);
                yield return new($"{method.Name}: targets {delta:+0;-0} value", (n, x, t) => call(n, x, Resize(t, t.Length + delta), Batch, null), argument);
                yield return new($"{method.Name}: inputs {delta:+0;-0} sample", (n, x, t) => call(n, Resize(x, x.Length + delta * n.InputLength), t, Batch, null), argument);
            }
            yield return new($"{method.Name}: empty inputs", (n, x, t) => call(n, Array.Empty<float>(), t, Batch, null), argument);
            yield return new($"{method.Name}: empty targets", (n, x, t) => call(n, x, Array.Empty<float>(), Batch, null), argument);
            yield return new($"{method.Name}: everything empty", (n, x, t) => call(n, Array.Empty<float>(), Array.Empty<float>(), 0, null), argument);
            foreach (int batch in new[] { 0, -1, -Batch, int.MinValue, int.MaxValue, Batch - 1, Batch + 1, 1 << 30 })
                yield return new($"{method.Name}: batchSize {batch}", (n, x, t) => call(n, x, t, batch, null), argument);
            foreach (float bad in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
                foreach (string where in new[] { "first", "middle", "last" })
                {
                    yield return new($"{method.Name}: {bad} in inputs ({where})", (n, x, t) => call(n, With(x, where, bad), t, Batch, null), argument);
                    yield return new($"{method.Name}: {bad} in targets ({where})", (n, x, t) => call(n, x, With(t, where, bad), Batch, null), argument);
                }
            if (subject.ProbabilityTargets)
                foreach (float outside in new[] { 1.5f, -0.25f, 1.0000001f, -float.Epsilon })
                    yield return new($"{method.Name}: BCE target {outside}", (n, x, t) => call(n, x, With(t, "middle", outside), Batch, null), argument);
            if (!method.Weights) continue;
            var weightCases = new (string Name, float[] Weights)[]
            {
                ("3 weights for 4 samples", new float[] { 1, 1, 1 }),
                ("5 weights for 4 samples", new float[] { 1, 1, 1, 1, 1 }),
                ("a NaN weight", new[] { 1f, float.NaN, 1f, 1f }),
                ("a negative weight", new[] { 1f, 1f, -0.5f, 1f }),
                ("an infinite weight", new[] { 1f, 1f, 1f, float.PositiveInfinity }),
                ("all weights zero", new float[] { 0, 0, 0, 0 }),
                ("a -∞ weight", new[] { float.NegativeInfinity, 1f, 1f, 1f }),
            };
            foreach (var (name, weights) in weightCases)
                yield return new($"{method.Name}: sampleWeights with {name}", (n, x, t) => call(n, x, t, Batch, weights), argument);
        }

        // Forward and Predict.
        foreach (int delta in new[] { -1, 1 })
        {
            yield return new($"Forward: input {delta:+0;-0}", (n, x, t) => n.Forward(x.AsSpan(0, n.InputLength + delta), new float[n.OutputLength]), argument);
            yield return new($"Forward: output {delta:+0;-0}", (n, x, t) => n.Forward(x.AsSpan(0, n.InputLength), new float[n.OutputLength + delta]), argument);
            yield return new($"Predict: inputs {delta:+0;-0} value", (n, x, t) => n.Predict(Resize(x, x.Length + delta), new float[Batch * n.OutputLength]), argument);
            yield return new($"Predict: outputs {delta:+0;-0} value", (n, x, t) => n.Predict(x, new float[Batch * n.OutputLength + delta]), argument);
        }
        yield return new("Forward: empty input", (n, x, t) => n.Forward(ReadOnlySpan<float>.Empty, new float[n.OutputLength]), argument);
        yield return new("Predict: outputs for no samples", (n, x, t) => n.Predict(ReadOnlySpan<float>.Empty, new float[n.OutputLength]), argument);
        foreach (float bad in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
        {
            yield return new($"Forward: {bad} in input", (n, x, t) => n.Forward(With(x.AsSpan(0, n.InputLength).ToArray(), "last", bad), new float[n.OutputLength]), argument);
            yield return new($"Predict: {bad} in inputs", (n, x, t) => n.Predict(With(x, "middle", bad), new float[Batch * n.OutputLength]), argument);
        }

        // Settings.
        foreach (float rate in new[] { 0f, -0.1f, float.NaN, float.PositiveInfinity })
            yield return new($"LearningRate = {rate}", (n, x, t) => n.LearningRate = rate, argument);
        foreach (float norm in new[] { -1f, float.NaN, float.PositiveInfinity })
            yield return new($"MaxGradientNorm = {norm}", (n, x, t) => n.MaxGradientNorm = norm, argument);
        yield return new("Optimizer = null", (n, x, t) => n.Optimizer = null!, typeof(ArgumentNullException));

        // Weight files that do not fit.
        yield return new("Load: another architecture's file", (n, x, t) => n.Load(SavedOther()), typeof(InvalidDataException));
        yield return new("Load: a truncated file", (n, x, t) => n.Load(Truncated(n)), typeof(InvalidDataException));
        yield return new("Load: not a weight file", (n, x, t) => n.Load(NotAWeightFile()), typeof(InvalidDataException));
        yield return new("Load: a missing file", (n, x, t) => n.Load(Path.Combine(Path.GetTempPath(), $"cn-missing-{Guid.NewGuid():N}.safetensors")), typeof(FileNotFoundException));
    }

    public static IEnumerable<object[]> Cases() =>
        Subjects.SelectMany((subject, s) => MisusesOf(subject).Select(misuse => new object[] { s, misuse.Name }));

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_bad_call_throws_and_leaves_the_network_exactly_as_it_was(int subjectIndex, string misuseName)
    {
        var subject = Subjects[subjectIndex];
        var misuse = MisusesOf(subject).Single(m => m.Name == misuseName);
        var net = subject.Create();
        var twin = subject.Create();
        var (x, t) = ValidBatch(net);
        var before = Snapshot.Of(net);

        var e = Assert.ThrowsAny<Exception>(() => misuse.Call(net, x.ToArray(), t.ToArray()));
        Assert.True(misuse.Expected.IsInstanceOfType(e), $"{misuseName}: expected {misuse.Expected.Name}, got {e.GetType().Name}: {e.Message}");
        Assert.False(string.IsNullOrWhiteSpace(e.Message));
        if (e is ArgumentException argument) Assert.False(string.IsNullOrEmpty(argument.ParamName), $"{misuseName}: the exception names no parameter: {e.Message}");

        Snapshot.Of(net).AssertEqual(before, misuseName);
        // The next valid step is the twin's, bit for bit: optimizer state, random streams and statistics were untouched.
        float loss = net.TrainStep(x, t, Batch);
        float twinLoss = twin.TrainStep(x, t, Batch);
        Assert.Equal(BitConverter.SingleToInt32Bits(twinLoss), BitConverter.SingleToInt32Bits(loss));
        Snapshot.Of(net).AssertEqual(Snapshot.Of(twin), misuseName + " (then one valid step)");
    }

    [Fact]
    public void The_suite_has_at_least_300_cases()
    {
        int cases = Cases().Count() + PerceptronCases().Count();
        Assert.True(cases >= 300, $"{cases} misuse cases");
    }

    // ---------------------------------------------------------------- the perceptron rule

    public static IEnumerable<object[]> PerceptronCases()
    {
        var names = new List<string>
        {
            "PerceptronStep: input -1", "PerceptronStep: input +1", "PerceptronStep: target -1", "PerceptronStep: target +1",
            "PerceptronStep: NaN input", "PerceptronStep: ∞ target", "TrainPerceptron: no samples", "TrainPerceptron: ragged inputs",
            "TrainPerceptron: targets for 3 samples", "TrainPerceptron: maxEpochs 0", "TrainPerceptron: maxEpochs -1",
            "TrainPerceptron: NaN in the last sample", "TrainPerceptron: -∞ in the last target", "LearningRate = 0", "LearningRate = NaN",
        };
        return names.Select(n => new object[] { n });
    }

    [Theory]
    [MemberData(nameof(PerceptronCases))]
    public void A_bad_perceptron_call_throws_and_changes_nothing(string name)
    {
        var net = new HeavisidePerceptron();
        float[] x = { 0, 0, 0, 1, 1, 0, 1, 1 };
        float[] t = { 0, 0, 0, 1 };
        net.PerceptronStep(x.AsSpan(0, 2), t.AsSpan(0, 1));
        float[] before = net.Parameters.ToArray();
        Action call = name switch
        {
            "PerceptronStep: input -1" => () => net.PerceptronStep(new float[1], new float[1]),
            "PerceptronStep: input +1" => () => net.PerceptronStep(new float[3], new float[1]),
            "PerceptronStep: target -1" => () => net.PerceptronStep(new float[2], Array.Empty<float>()),
            "PerceptronStep: target +1" => () => net.PerceptronStep(new float[2], new float[2]),
            "PerceptronStep: NaN input" => () => net.PerceptronStep(new[] { 1f, float.NaN }, new float[1]),
            "PerceptronStep: ∞ target" => () => net.PerceptronStep(new float[2], new[] { float.PositiveInfinity }),
            "TrainPerceptron: no samples" => () => net.TrainPerceptron(Array.Empty<float>(), Array.Empty<float>()),
            "TrainPerceptron: ragged inputs" => () => net.TrainPerceptron(x.AsSpan(0, 7), t),
            "TrainPerceptron: targets for 3 samples" => () => net.TrainPerceptron(x, t.AsSpan(0, 3)),
            "TrainPerceptron: maxEpochs 0" => () => net.TrainPerceptron(x, t, 0),
            "TrainPerceptron: maxEpochs -1" => () => net.TrainPerceptron(x, t, -1),
            "TrainPerceptron: NaN in the last sample" => () => net.TrainPerceptron(With(x, "last", float.NaN), t),
            "TrainPerceptron: -∞ in the last target" => () => net.TrainPerceptron(x, With(t, "last", float.NegativeInfinity)),
            "LearningRate = 0" => () => net.LearningRate = 0f,
            "LearningRate = NaN" => () => net.LearningRate = float.NaN,
            _ => throw new ArgumentException(name),
        };
        var e = Assert.ThrowsAny<ArgumentException>(call);
        Assert.False(string.IsNullOrEmpty(e.ParamName), e.Message);
        Assert.Equal(before, net.Parameters.ToArray());
        Assert.Equal(0.5f, net.LearningRate);
    }

    // ---------------------------------------------------------------- helpers

    /// <summary>Everything a call could change that the API shows: parameters, gradients, step count, every saved tensor.</summary>
    private sealed record Snapshot(float[] Parameters, float[] Gradients, long Steps, float[][] Tensors)
    {
        public static Snapshot Of(ITrainableNetwork net) => new(
            net.Parameters.ToArray(), net.Gradients.ToArray(), net.StepCount,
            net.Tensors.Select(tensor => tensor.Values.ToArray()).ToArray());

        public void AssertEqual(Snapshot expected, string context)
        {
            Assert.True(Bits(expected.Parameters).SequenceEqual(Bits(Parameters)), $"{context}: the parameters changed");
            Assert.True(Bits(expected.Gradients).SequenceEqual(Bits(Gradients)), $"{context}: the gradients changed");
            Assert.True(expected.Steps == Steps, $"{context}: the step count changed ({expected.Steps} → {Steps})");
            for (int i = 0; i < Tensors.Length; i++)
                Assert.True(Bits(expected.Tensors[i]).SequenceEqual(Bits(Tensors[i])), $"{context}: tensor {i} changed");
        }

        private static IEnumerable<int> Bits(float[] values) => values.Select(BitConverter.SingleToInt32Bits);
    }

    private static float[] Resize(float[] values, int length)
    {
        var resized = new float[Math.Max(0, length)];
        Array.Copy(values, resized, Math.Min(values.Length, resized.Length));
        return resized;
    }

    private static float[] With(float[] values, string where, float value)
    {
        var copy = values.ToArray();
        copy[where switch { "first" => 0, "middle" => copy.Length / 2, _ => copy.Length - 1 }] = value;
        return copy;
    }

    private static readonly Lazy<string> OtherFile = new(() =>
    {
        string path = Path.Combine(Path.GetTempPath(), $"cn-misuse-other-{Environment.ProcessId}.safetensors");
        new IrisNet().Save(path);
        return path;
    });

    private static string SavedOther() => OtherFile.Value;

    private static string Truncated(INetwork net)
    {
        string path = Path.Combine(Path.GetTempPath(), $"cn-misuse-truncated-{Guid.NewGuid():N}.safetensors");
        net.Save(path);
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes.AsSpan(0, bytes.Length - 3).ToArray());
        return path;
    }

    private static string NotAWeightFile()
    {
        string path = Path.Combine(Path.GetTempPath(), $"cn-misuse-text-{Guid.NewGuid():N}.safetensors");
        File.WriteAllText(path, "these are not weights");
        return path;
    }
}
