using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Xunit;
using Xunit.Abstractions;

namespace Compiled.Nets.Tests;

/// <summary>
/// ExportOnnx on every network these tests and the samples declare: each exported model runs in ONNX Runtime 1.31 (CPU)
/// on batches of 1, 3 and 17 random samples, and its outputs must be Predict's within the tolerance below. Before the
/// export every tensor is moved off its initial value (BatchNorm's running statistics to a mean in ±0.5 and a variance in
/// [0.5, 2], LSTM peepholes off 0), so every weight and statistic shows in the outputs. Networks with a stateful recurrent
/// layer, or a MaxUnpool over overlapping windows, are refused with a NotSupportedException that names the layer.
/// </summary>
public sealed class OnnxExportTests
{
    /// <summary>|ours − ONNX Runtime| ≤ 1e-5 · max(1, |ours|): absolute 1e-5, relative 1e-5 for values above 1.</summary>
    private const double Tolerance = 1e-5;

    private static readonly int[] Batches = { 1, 3, 17 };

    private readonly ITestOutputHelper _output;
    public OnnxExportTests(ITestOutputHelper output) => _output = output;

    /// <summary>These tests' networks and every sample's.</summary>
    private static readonly Assembly[] Assemblies =
    {
        typeof(OnnxExportTests).Assembly, typeof(Compiled.Nets.Samples.Mnist.MnistMlp).Assembly, typeof(Compiled.Nets.Samples.Xor.XorNet).Assembly,
        typeof(Compiled.Nets.Samples.Iris.IrisNet).Assembly, typeof(Compiled.Nets.Samples.Digits.ResidualDigits).Assembly,
        typeof(Compiled.Nets.Samples.CharModel.CharLstm).Assembly, typeof(Compiled.Nets.Samples.Sequences.RowLstm).Assembly,
        typeof(Compiled.Nets.Samples.Vae.MnistVae).Assembly, typeof(Compiled.Nets.Samples.Pretraining.DigitAutoencoder).Assembly,
        typeof(Compiled.Nets.Samples.Gan.DigitGenerator).Assembly, typeof(Compiled.Nets.Samples.Segmentation.UNet).Assembly,
    };

    /// <summary>The networks ExportOnnx refuses, with the layer the message names and a word of the reason it gives.</summary>
    private static readonly Dictionary<string, (string Layer, string Reason)> Refused = new()
    {
        [typeof(TbpttLstm).FullName!] = ("Lstm", "stateful"),
        [typeof(TbpttGru).FullName!] = ("Gru", "stateful"),
        [typeof(Compiled.Nets.Samples.CharModel.CharLstm).FullName!] = ("State", "stateful"),
        [typeof(OnnxOverlappingUnpool).FullName!] = ("Unpool", "overlapping windows"),
    };

    private static IEnumerable<Type> NetworkTypes() => Assemblies.SelectMany(a => a.GetTypes())
        .Where(t => t.IsClass && !t.IsAbstract && typeof(INetwork).IsAssignableFrom(t) && t.GetConstructor(Type.EmptyTypes) is not null);

    public static IEnumerable<object[]> ExportedNetworks() =>
        NetworkTypes().Select(t => t.FullName!).Where(n => !Refused.ContainsKey(n)).OrderBy(n => n, StringComparer.Ordinal).Select(n => new object[] { n });

    public static IEnumerable<object[]> RefusedNetworks() => Refused.Keys.OrderBy(n => n, StringComparer.Ordinal).Select(n => new object[] { n });

    internal static INetwork Create(string network) => (INetwork)Activator.CreateInstance(NetworkTypes().Single(t => t.FullName == network))!;

    [Theory]
    [MemberData(nameof(ExportedNetworks))]
    public void Exported_model_computes_what_Predict_does_in_ONNX_Runtime(string network)
    {
        using var net = Create(network);
        var random = new Random(network.Length * 31 + 7);
        MoveEveryTensor(net, random);
        string directory = Directory.CreateTempSubdirectory("cn-onnx-").FullName;
        try
        {
            string path = Path.Combine(directory, "model.onnx");
            net.ExportOnnx(path);
            Assert.Equal(new[] { "model.onnx" }, Directory.GetFiles(directory).Select(Path.GetFileName)); // no temporary file left

            using var session = new InferenceSession(path);
            Assert.Equal("Compiled.Nets", session.ModelMetadata.ProducerName);
            var input = Assert.Single(session.InputMetadata);
            var output = Assert.Single(session.OutputMetadata);
            Assert.Equal(net.Layers[0].Name, input.Key);
            Assert.Equal(net.Layers[net.Layers.Count - 1].Name, output.Key);
            Assert.Equal("N", input.Value.SymbolicDimensions[0]);

            double worst = 0, worstRelative = 0;
            foreach (int batch in Batches)
            {
                float[] inputs = Inputs(net, batch, random);
                var ours = new float[batch * net.OutputLength];
                net.Predict(inputs, ours);
                var dims = new[] { batch }.Concat(net.Layers[0].OutputShape).ToArray();
                using var results = session.Run(new[] { NamedOnnxValue.CreateFromTensor(input.Key, new DenseTensor<float>(inputs, dims)) });
                var result = Assert.Single(results);
                var tensor = result.AsTensor<float>();
                Assert.Equal(new[] { batch }.Concat(net.Layers[net.Layers.Count - 1].OutputShape).ToArray(), tensor.Dimensions.ToArray());
                float[] theirs = tensor.ToArray();
                Assert.Equal(ours.Length, theirs.Length);
                for (int i = 0; i < ours.Length; i++)
                {
                    double difference = Math.Abs((double)ours[i] - theirs[i]);
                    Assert.False(double.IsNaN(difference), $"{network}: value {i} of a batch of {batch} is {ours[i]} here and {theirs[i]} in ONNX Runtime");
                    Assert.True(difference <= Tolerance * Math.Max(1, Math.Abs(ours[i])),
                        $"{network}: value {i} (sample {i / net.OutputLength}) of a batch of {batch} is {ours[i]:R} here and {theirs[i]:R} in ONNX Runtime (|difference| {difference:G3})");
                    worst = Math.Max(worst, difference);
                    worstRelative = Math.Max(worstRelative, difference / Math.Max(1, Math.Abs(ours[i])));
                }
            }
            _output.WriteLine($"{network}: {session.ModelMetadata.GraphName}, max |difference| {worst:G3}, max scaled difference {worstRelative:G3} over batches {string.Join(", ", Batches)}");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Theory]
    [MemberData(nameof(RefusedNetworks))]
    public void Network_with_a_layer_ONNX_cannot_express_is_refused_naming_the_layer(string network)
    {
        using var net = Create(network);
        string directory = Directory.CreateTempSubdirectory("cn-onnx-").FullName;
        try
        {
            string path = Path.Combine(directory, "model.onnx");
            var refusal = Assert.Throws<NotSupportedException>(() => net.ExportOnnx(path));
            var (layer, reason) = Refused[network];
            Assert.Contains($"layer {layer} ", refusal.Message);
            Assert.Contains(reason, refusal.Message);
            Assert.Contains(network.Split('.').Last(), refusal.Message);
            Assert.Empty(Directory.GetFiles(directory));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Bad_paths_are_refused_before_a_file_is_created()
    {
        using var net = new XorNet();
        string directory = Directory.CreateTempSubdirectory("cn-onnx-").FullName;
        try
        {
            Assert.Throws<ArgumentNullException>(() => net.ExportOnnx(null!));
            Assert.Throws<ArgumentException>(() => net.ExportOnnx(""));
            Assert.Throws<ArgumentException>(() => net.ExportOnnx("   "));
            Assert.Throws<ArgumentException>(() => net.ExportOnnx("bad\0name.onnx"));
            var directoryPath = Assert.Throws<ArgumentException>(() => net.ExportOnnx(directory));
            Assert.Contains("is a directory", directoryPath.Message);
            var missing = Assert.Throws<DirectoryNotFoundException>(() => net.ExportOnnx(Path.Combine(directory, "missing", "model.onnx")));
            Assert.Contains("does not exist", missing.Message);
            // A refused network checks the path first too, so a bad path is reported as such.
            using var stateful = new TbpttLstm();
            Assert.Throws<DirectoryNotFoundException>(() => stateful.ExportOnnx(Path.Combine(directory, "missing", "model.onnx")));
            Assert.Empty(Directory.GetFileSystemEntries(directory));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Export_replaces_an_existing_file_whole_with_the_weights_of_that_moment()
    {
        using var net = new XorNet();
        string directory = Directory.CreateTempSubdirectory("cn-onnx-").FullName;
        try
        {
            string path = Path.Combine(directory, "xor.onnx");
            File.WriteAllText(path, "an older file, longer than nothing");
            net.ExportOnnx(path);
            float[] inputs = { 0f, 0f, 0f, 1f, 1f, 0f, 1f, 1f };
            var before = new float[4];
            net.Predict(inputs, before);
            using (var session = new InferenceSession(path))
                Assert.Equal(before, Run(session, inputs, 4, 2), new ToleranceComparer());

            // The model is a snapshot: changing the weights afterwards leaves the file alone until the next export.
            foreach (var tensor in net.Tensors) tensor.Values.Fill(0.25f);
            var after = new float[4];
            net.Predict(inputs, after);
            Assert.NotEqual(before, after);
            using (var session = new InferenceSession(path))
                Assert.Equal(before, Run(session, inputs, 4, 2), new ToleranceComparer());
            net.ExportOnnx(path);
            using (var session = new InferenceSession(path))
                Assert.Equal(after, Run(session, inputs, 4, 2), new ToleranceComparer());
            Assert.Equal(new[] { "xor.onnx" }, Directory.GetFiles(directory).Select(Path.GetFileName));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Model_builder_writes_a_graph_ONNX_Runtime_runs_with_reordered_blocks_and_scalars()
    {
        var onnx = new Compiled.Nets.Onnx.OnnxModelBuilder("Tiny", "test");
        onnx.Input("x", Compiled.Nets.Onnx.OnnxModelBuilder.Batch, 6);
        // Blocks of 2 in the order 2, 0, 1: [5, 6, 1, 2, 3, 4].
        onnx.Initializer("scale", new long[] { 6 }, new float[] { 1, 2, 3, 4, 5, 6 }, 2, new[] { 2, 0, 1 });
        onnx.Initializer("half", new long[0], new float[] { 0.5f });
        onnx.Int64Initializer("shape", new long[] { 3 }, -1, 3, 2);
        onnx.Node("Mul", "scaled", new[] { "x", "scale" }, new[] { "scaled" });
        onnx.Node("Add", "shifted", new[] { "scaled", "half" }, new[] { "shifted" });
        onnx.Node("Reshape", "grouped", new[] { "shifted", "shape" }, new[] { "grouped" });
        onnx.Node("ReduceMax", "y", new[] { "grouped" }, new[] { "y" }).Ints("axes", 2).Int("keepdims", 0);
        onnx.Output("y", Compiled.Nets.Onnx.OnnxModelBuilder.Batch, 3);
        using var session = new InferenceSession(onnx.ToArray());
        float[] x = { 1, 1, 1, 1, 1, 1, -1, 2, 0, 1, 3, -2 };
        using var results = session.Run(new[] { NamedOnnxValue.CreateFromTensor("x", new DenseTensor<float>(x, new[] { 2, 6 })) });
        // Sample 0: max(5.5, 6.5), max(1.5, 2.5), max(3.5, 4.5); sample 1: max(−4.5, 12.5), max(0.5, 2.5), max(9.5, −7.5).
        Assert.Equal(new[] { 6.5f, 2.5f, 4.5f, 12.5f, 2.5f, 9.5f }, results.Single().AsTensor<float>().ToArray());
        Assert.Equal("Compiled.Nets", session.ModelMetadata.ProducerName);
    }

    [Fact]
    public void Model_builder_refuses_a_graph_that_is_not_well_formed()
    {
        var onnx = new Compiled.Nets.Onnx.OnnxModelBuilder("Bad", "test");
        onnx.Input("x", Compiled.Nets.Onnx.OnnxModelBuilder.Batch, 2);
        var unknown = Assert.Throws<InvalidOperationException>(() => onnx.Node("Relu", "y", new[] { "z" }, new[] { "y" }));
        Assert.Contains("'z'", unknown.Message);
        Assert.Equal(0, onnx.NodeCount);
        Assert.Throws<InvalidOperationException>(() => onnx.Input("x", 2));
        var count = Assert.Throws<ArgumentException>(() => onnx.Initializer("w", new long[] { 2, 3 }, new float[5]));
        Assert.Contains("needs 6 values, but 5", count.Message);
        Assert.Throws<ArgumentException>(() => onnx.Initializer("g", new long[] { 4 }, new float[4], 3, new[] { 0, 1 }));
        Assert.Throws<ArgumentException>(() => onnx.Input("v", -2, 3));
        var node = onnx.Node("Relu", "y", new[] { "x" }, new[] { "y" });
        Assert.Throws<InvalidOperationException>(() => node.Int("axis", 1).Int("axis", 2));
        onnx.Output("missing", Compiled.Nets.Onnx.OnnxModelBuilder.Batch, 2);
        var unwritten = Assert.Throws<InvalidOperationException>(() => onnx.ToArray());
        Assert.Contains("'missing'", unwritten.Message);
    }

    private static float[] Run(InferenceSession session, float[] inputs, int batch, int features)
    {
        var input = session.InputMetadata.Single().Key;
        using var results = session.Run(new[] { NamedOnnxValue.CreateFromTensor(input, new DenseTensor<float>(inputs, new[] { batch, features })) });
        return results.Single().AsTensor<float>().ToArray();
    }

    private sealed class ToleranceComparer : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs((double)x - y) <= Tolerance * Math.Max(1, Math.Abs(x));
        public int GetHashCode(float value) => 0;
    }

    /// <summary>
    /// Every tensor off its initial value: running variances to [0.5, 2], running means to ±0.5, everything else moved by up to
    /// ±0.1 (so BatchNorm's γ = 1, β = 0 and zero peepholes are tested as the general case).
    /// </summary>
    private static void MoveEveryTensor(INetwork network, Random random)
    {
        foreach (var tensor in network.Tensors)
        {
            var values = tensor.Values;
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = tensor.Name.EndsWith(".running_var", StringComparison.Ordinal) ? 0.5f + 1.5f * random.NextSingle()
                    : tensor.Name.EndsWith(".running_mean", StringComparison.Ordinal) ? random.NextSingle() - 0.5f
                    : values[i] + 0.2f * random.NextSingle() - 0.1f;
            }
        }
    }

    /// <summary>Uniform values in [−1, 1), or for a token input whole ids below its Embedding's vocabulary.</summary>
    private static float[] Inputs(INetwork network, int batch, Random random)
    {
        var values = new float[batch * network.InputLength];
        if (network.Layers[0].Kind == "TokenInput")
        {
            var embedding = network.Layers.First(l => l.Kind == "Embedding");
            int vocabulary = network.Tensors.Single(t => t.Name == embedding.Name + ".weight").Shape[0];
            for (int i = 0; i < values.Length; i++) values[i] = random.Next(vocabulary);
            return values;
        }
        for (int i = 0; i < values.Length; i++) values[i] = 2f * random.NextSingle() - 1f;
        return values;
    }
}

/// <summary>ExportOnnx on a network that trains on a GPU (the CPU emulation of its CUDA code): the file has the device's weights.</summary>
[Collection("CUDA backend")]
public sealed class OnnxExportDeviceTests : IDisposable
{
    private readonly EmulatedCudaBackend _backend = new();

    public OnnxExportDeviceTests() => Compiled.Nets.Cuda.CudaBackends.UseForTesting(() => _backend, EmulatedCudaBackend.EmulatedStatus);

    public void Dispose() => Compiled.Nets.Cuda.CudaBackends.UseForTesting(null, null);

    [ToolFact(CudaToolchain.Gxx)]
    public void Export_after_training_on_the_device_writes_the_trained_weights()
    {
        const int batch = 8;
        float[] inputs = TestData.Random(batch * BatchNormNet.InputSize, 3);
        float[] targets = TestData.Random(batch * BatchNormNet.OutputSize, 4);
        using var net = new BatchNormNet(5);
        float[] initial = net.Parameters.ToArray();
        net.UseDevice(Device.Cuda);
        for (int step = 0; step < 3; step++) net.TrainStep(inputs, targets, batch); // weights and running statistics change on the device
        string directory = Directory.CreateTempSubdirectory("cn-onnx-").FullName;
        try
        {
            string path = Path.Combine(directory, "model.onnx");
            net.ExportOnnx(path);
            Assert.Equal(Device.Cuda, net.Device);
            var ours = new float[batch * BatchNormNet.OutputSize];
            net.Predict(inputs, ours);
            Assert.NotEqual(initial, net.Parameters.ToArray());
            using var session = new InferenceSession(path);
            using var results = session.Run(new[] { NamedOnnxValue.CreateFromTensor("X", new DenseTensor<float>(inputs, new[] { batch, BatchNormNet.InputSize })) });
            float[] theirs = results.Single().AsTensor<float>().ToArray();
            for (int i = 0; i < ours.Length; i++)
                Assert.True(Math.Abs(ours[i] - theirs[i]) <= 1e-5 * Math.Max(1, Math.Abs(ours[i])), $"value {i}: {ours[i]:R} on the device, {theirs[i]:R} in ONNX Runtime");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
