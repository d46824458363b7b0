using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;
using Compiled.Nets.Cuda;
using Compiled.Nets.Optimizers;
using Xunit;
using Xunit.Abstractions;

namespace Compiled.Nets.Tests;

/// <summary>
/// The generated CUDA C, verified without a GPU (docs/gpu.md): every network's translation unit compiles to
/// PTX with clang-19 for sm_80 and sm_86 with no warning and no unresolved function; the same source, built
/// for the CPU with kernels/cn_emulation.h, runs the generated launch sequences and matches the C# path.
/// </summary>
public class CudaKernelTests
{
    private readonly ITestOutputHelper _output;
    public CudaKernelTests(ITestOutputHelper output) => _output = output;

    /// <summary>The assemblies whose networks are checked: these tests' and the samples'.</summary>
    private static readonly Assembly[] Assemblies =
    {
        typeof(CudaKernelTests).Assembly, typeof(Compiled.Nets.Samples.Mnist.MnistMlp).Assembly,
        typeof(Compiled.Nets.Samples.Xor.XorNet).Assembly, typeof(Compiled.Nets.Samples.Iris.IrisNet).Assembly,
        typeof(Compiled.Nets.Samples.Digits.ResidualDigits).Assembly, typeof(Compiled.Nets.Samples.CharModel.CharLstm).Assembly, typeof(Compiled.Nets.Samples.Sequences.RowLstm).Assembly,
    };

    private static IEnumerable<Type> NetworkTypes() =>
        Assemblies.SelectMany(a => a.GetTypes()).Where(t => t.IsClass && !t.IsAbstract && typeof(ICudaKernels).IsAssignableFrom(t));

    public static IEnumerable<object[]> Networks() => NetworkTypes().Select(t => t.FullName!).OrderBy(n => n).Select(n => new object[] { n });

    /// <summary>A network's unit, through ICudaKernels (the generated source is no public member of the class).</summary>
    private static string SourceOf(string network) =>
        ((ICudaKernels)Activator.CreateInstance(NetworkTypes().Single(t => t.FullName == network))!).CudaSource;

    [ToolTheory(CudaToolchain.Clang)]
    [MemberData(nameof(Networks))]
    public void Translation_unit_compiles_to_ptx_for_sm80_and_sm86(string network)
    {
        string directory = Directory.CreateTempSubdirectory("cn-ptx-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(directory, "net.cu"), SourceOf(network));
            string prelude = Path.Combine(CudaToolchain.KernelsDirectory(), "cn_prelude.h");
            foreach (string arch in new[] { "sm_80", "sm_86" })
            {
                var (code, _, errors, elapsed) = CudaToolchain.Run(CudaToolchain.Clang,
                    $"-x cuda --cuda-device-only --cuda-gpu-arch={arch} -nocudainc -nocudalib -std=c++17 -O2 -Wall -Werror " +
                    $"-Xclang -target-feature -Xclang +ptx75 -include \"{prelude}\" -DCN_BATCH=64 -S -o {arch}.ptx net.cu", directory);
                Assert.True(code == 0, $"{network} for {arch}:\n{errors}");
                Assert.True(string.IsNullOrWhiteSpace(errors), $"{network} for {arch} printed:\n{errors}");
                string ptx = File.ReadAllText(Path.Combine(directory, arch + ".ptx"));
                var unresolved = ptx.Split('\n').Where(l => l.Contains(".extern .func") && !l.Contains("vprintf")).ToList();
                Assert.True(unresolved.Count == 0, $"{network} for {arch} calls undefined functions:\n{string.Join("\n", unresolved)}");
                int entries = ptx.Split('\n').Count(l => l.Contains(".entry"));
                _output.WriteLine($"{network}: {arch} PTX in {elapsed.TotalSeconds:F2} s, {entries} kernels");
            }
        }
        finally { Directory.Delete(directory, recursive: true); }
    }

    /// <summary>A network's kernels built for the CPU (through <see cref="EmulatedCudaBackend"/>): the generated launch sequences run on host arenas.</summary>
    private sealed unsafe class EmulatedNetwork : IDisposable
    {
        private readonly EmulatedCudaBackend _backend = new();
        private readonly IntPtr _module;
        private readonly ulong[] _arenas = new ulong[12];
        private readonly int[] _lengths = new int[12];
        private readonly ulong* _slots;
        private readonly void** _parameters;

        // Arena order of CN_ARENAS: P, G, A, D, S, Z, X, T, W, L, O, K.
        public const int P = 0, G = 1, A = 2, D = 3, S = 4, Z = 5, X = 6, T = 7, W = 8, L = 9, O = 10, K = 11;

        public EmulatedNetwork(string source, int batch, int[] lengths)
        {
            _module = _backend.LoadModule("test", source, batch);
            _slots = (ulong*)NativeMemory.AllocZeroed(12, sizeof(ulong));
            _parameters = (void**)NativeMemory.AllocZeroed(12, (nuint)sizeof(void*));
            for (int i = 0; i < 12; i++)
            {
                _lengths[i] = lengths[i];
                _arenas[i] = lengths[i] == 0 ? 0 : _backend.Allocate(lengths[i] * (long)sizeof(float));
                _slots[i] = _arenas[i];
                _parameters[i] = &_slots[i]; // cuLaunchKernel's params: pointers to each argument
            }
        }

        public Span<float> Arena(int index) => new((void*)_arenas[index], _lengths[index]);

        /// <summary>Zeroes an arena through the backend, as CudaNetworkRunner zeroes the gradients before the backward launches.</summary>
        public void Zero(int index) => _backend.Zero(_arenas[index], _lengths[index]);

        public void Run(IEnumerable<CudaLaunch> launches)
        {
            foreach (var launch in launches) _backend.Launch(_backend.GetFunction(_module, launch.Kernel), launch, _parameters);
        }

        public void Dispose()
        {
            foreach (var arena in _arenas) if (arena != 0) _backend.Free(arena);
            NativeMemory.Free(_slots);
            NativeMemory.Free(_parameters);
        }
    }

    internal sealed record Case(ITrainableNetwork Network, string Source, int ActivationsPerSample, int StateLength, int OutputOffset,
        Func<int, int> Scratch, Func<int, CudaLaunch[]> Inference, Func<int, CudaLaunch[]> TrainingForward,
        Func<int, CudaLaunch[]> Loss, Func<int, CudaLaunch[]> Backward, Func<int, float[]> Targets, Func<int, float[]>? Inputs = null);

    private static Case For<TNet>(TNet net, Func<int, float[]> targets, Func<int, float[]>? inputs = null) where TNet : ITrainableNetwork
    {
        var kernels = (ICudaKernels)net;
        return new Case(net, kernels.CudaSource, kernels.ActivationsPerSample, kernels.StateLength, kernels.OutputOffset,
            kernels.ScratchLength, kernels.InferenceLaunches, kernels.TrainingForwardLaunches, kernels.LossLaunches, kernels.BackwardLaunches, targets, inputs);
    }

    public static IEnumerable<object[]> EmulatedCases() => new[]
    {
        new object[] { nameof(GoldenLargeReluCe) }, new object[] { nameof(EveryActivationSimd) }, new object[] { nameof(BceOnSoftmaxSimd) },
        new object[] { nameof(GoldenSoftmaxMse) }, new object[] { nameof(GoldenTanhLogisticBce) }, new object[] { nameof(BatchNormNet) },
        new object[] { nameof(PReLUNet) }, new object[] { nameof(LogitsCeThroughLeakySimd) }, new object[] { nameof(RegularizedNet) },
        new object[] { nameof(InputBatchNormNet) },
        new object[] { nameof(ConvValidStride2) }, new object[] { nameof(ConvSameFullGroups) }, new object[] { nameof(PoolingNet) },
        new object[] { nameof(Conv1DNet) }, new object[] { nameof(ResidualNet) }, new object[] { nameof(TransposedUnpoolNet) },
        new object[] { nameof(SeparableMaxoutNet) }, new object[] { "LeNet5" },
        new object[] { nameof(GoldenTiedDeep) }, new object[] { nameof(TiedSparseSimd) }, new object[] { nameof(GoldenActivityL1Sparse) },
        new object[] { nameof(GoldenDropoutTwoStreams) }, new object[] { nameof(ConvBatchNormDropoutNet) },
        new object[] { nameof(LrnConvNet) }, new object[] { nameof(LrnLcn1DNet) }, new object[] { nameof(LcnConvNet) }, new object[] { nameof(NoisyNet) },
        new object[] { nameof(GoldenRnnLeaky) }, new object[] { nameof(GoldenRnnReluSequence) }, new object[] { nameof(GoldenLstm) },
        new object[] { nameof(GoldenLstmPeephole) }, new object[] { nameof(GoldenGru) }, new object[] { nameof(GoldenStackedLstm) },
        new object[] { nameof(GoldenStackedGruSequence) }, new object[] { nameof(GoldenEmbeddingLstm) }, new object[] { nameof(GoldenEmbeddingGruLogits) },
        new object[] { nameof(GoldenInitialStateLstm) }, new object[] { nameof(GoldenInitialStateGru) },
        new object[] { nameof(GoldenVae) }, new object[] { nameof(GoldenBetaVae) }, new object[] { nameof(GoldenKlSparse) },
        new object[] { nameof(GoldenDcganDiscriminator) }, new object[] { nameof(GoldenDcganGenerator) },
        new object[] { nameof(GoldenStochasticBinary) }, new object[] { nameof(GoldenStochasticSign) }, new object[] { nameof(GoldenStochasticTanh) },
    };

    internal static Case CaseFor(string name) => name switch
    {
        nameof(GoldenLargeReluCe) => For(new GoldenLargeReluCe(1), b => TestData.OneHot(b, 10, 5)),
        nameof(EveryActivationSimd) => For(new EveryActivationSimd(2), b => TestData.OneHot(b, 6, 5)),
        nameof(BceOnSoftmaxSimd) => For(new BceOnSoftmaxSimd(3), b => TestData.Probabilities(b * 4, 5)),
        nameof(GoldenSoftmaxMse) => For(new GoldenSoftmaxMse(4), b => TestData.Probabilities(b * 3, 5)),
        nameof(GoldenTanhLogisticBce) => For(new GoldenTanhLogisticBce(5), b => TestData.Probabilities(b * 2, 5)),
        nameof(BatchNormNet) => For(new BatchNormNet(6), b => TestData.Random(b * 3, 5)),
        nameof(PReLUNet) => For(new PReLUNet(7), b => TestData.Random(b * 2, 5)),
        nameof(LogitsCeThroughLeakySimd) => For(new LogitsCeThroughLeakySimd(8), b => TestData.OneHot(b, 3, 5)),
        nameof(RegularizedNet) => For(new RegularizedNet(9), b => TestData.OneHot(b, 3, 5)),
        nameof(InputBatchNormNet) => For(new InputBatchNormNet(10), b => TestData.OneHot(b, 3, 5)),
        nameof(ConvValidStride2) => For(new ConvValidStride2(11), b => TestData.OneHot(b, 3, 5)),
        nameof(ConvSameFullGroups) => For(new ConvSameFullGroups(12), b => TestData.Random(b * 3, 5)),
        nameof(PoolingNet) => For(new PoolingNet(13), b => TestData.Probabilities(b * 2, 5)),
        nameof(Conv1DNet) => For(new Conv1DNet(14), b => TestData.Random(b * 2, 5)),
        nameof(ResidualNet) => For(new ResidualNet(15), b => TestData.OneHot(b, 3, 5)),
        nameof(TransposedUnpoolNet) => For(new TransposedUnpoolNet(16), b => TestData.Random(b * 64, 5)),
        nameof(SeparableMaxoutNet) => For(new SeparableMaxoutNet(17), b => TestData.OneHot(b, 2, 5)),
        nameof(GoldenTiedDeep) => For(new GoldenTiedDeep(18), b => TestData.Random(b * 5, 5)),
        nameof(TiedSparseSimd) => For(new TiedSparseSimd(19), b => TestData.Random(b * 19, 5)),
        nameof(GoldenActivityL1Sparse) => For(new GoldenActivityL1Sparse(20), b => TestData.Random(b * 4, 5)),
        // Seed 0 and step 0, as the harness's scalars K[6] and K[7]: the same random streams, so the same dropout masks.
        nameof(GoldenDropoutTwoStreams) => For(new GoldenDropoutTwoStreams(0), b => TestData.Random(b * 2, 5)),
        nameof(ConvBatchNormDropoutNet) => For(new ConvBatchNormDropoutNet(0), b => TestData.OneHot(b, 3, 5)),
        nameof(LrnConvNet) => For(new LrnConvNet(32), b => TestData.OneHot(b, 3, 5)),
        nameof(LrnLcn1DNet) => For(new LrnLcn1DNet(33), b => TestData.Random(b * 2, 5)),
        nameof(LcnConvNet) => For(new LcnConvNet(34), b => TestData.Probabilities(b * 2, 5)),
        nameof(NoisyNet) => For(new NoisyNet(0), b => TestData.Random(b * 3, 5)),
        nameof(GoldenRnnLeaky) => For(new GoldenRnnLeaky(21), b => TestData.Random(b * 1, 5)),
        nameof(GoldenRnnReluSequence) => For(new GoldenRnnReluSequence(22), b => TestData.Random(b * 12, 5)),
        nameof(GoldenLstm) => For(new GoldenLstm(23), b => TestData.OneHot(b, 3, 5)),
        nameof(GoldenLstmPeephole) => For(new GoldenLstmPeephole(24), b => TestData.Random(b * 8, 5)),
        nameof(GoldenGru) => For(new GoldenGru(25), b => TestData.Probabilities(b * 2, 5)),
        nameof(GoldenStackedLstm) => For(new GoldenStackedLstm(26), b => TestData.Random(b * 2, 5)),
        nameof(GoldenStackedGruSequence) => For(new GoldenStackedGruSequence(27), b => TestData.Random(b * 6, 5)),
        nameof(GoldenEmbeddingLstm) => For(new GoldenEmbeddingLstm(28), b => TestData.OneHot(b * 5, 7, 5), b => TestData.Tokens(b * 5, 7, 11)),
        nameof(GoldenEmbeddingGruLogits) => For(new GoldenEmbeddingGruLogits(29), b => TestData.OneHot(b * 4, 6, 5), b => TestData.Tokens(b * 4, 6, 11)),
        nameof(GoldenInitialStateLstm) => For(new GoldenInitialStateLstm(30), b => TestData.Random(b * 8, 5)),
        nameof(GoldenInitialStateGru) => For(new GoldenInitialStateGru(31), b => TestData.Random(b * 1, 5)),
        // Seed 0 and step 0, as the harness's scalars: the same ε.
        nameof(GoldenVae) => For(new GoldenVae(0), b => TestData.Probabilities(b * 6, 5)),
        nameof(GoldenBetaVae) => For(new GoldenBetaVae(0), b => TestData.Probabilities(b * 6, 5)),
        nameof(GoldenKlSparse) => For(new GoldenKlSparse(32), b => TestData.Probabilities(b * 6, 5)),
        nameof(GoldenDcganDiscriminator) => For(new GoldenDcganDiscriminator(33), b => TestData.Probabilities(b, 5)),
        nameof(GoldenDcganGenerator) => For(new GoldenDcganGenerator(34), b => TestData.Random(b * 36, 5)),
        // Seed 0 and step 0, as the harness's scalars: the same logistic noise.
        nameof(GoldenStochasticBinary) => For(new GoldenStochasticBinary(0), b => TestData.OneHot(b, 3, 5)),
        nameof(GoldenStochasticSign) => For(new GoldenStochasticSign(0), b => TestData.Random(b * 2, 5)),
        nameof(GoldenStochasticTanh) => For(new GoldenStochasticTanh(0), b => TestData.Random(b * 2, 5)),
        "LeNet5" => For(new Compiled.Nets.Samples.Mnist.LeNet5(19), b => TestData.OneHot(b, 10, 5)),
        _ => throw new ArgumentException(name),
    };

    [ToolTheory(CudaToolchain.Gxx)]
    [MemberData(nameof(EmulatedCases))]
    public void Emulated_kernels_match_the_csharp_path(string name)
    {
        const int batch = 7;
        var c = CaseFor(name);
        var net = c.Network;
        int parameters = net.Parameters.Length, outputs = net.OutputLength;
        float[] inputs = c.Inputs?.Invoke(batch) ?? TestData.Random(batch * net.InputLength, 11);
        float[] targets = c.Targets(batch);
        var lengths = new int[12];
        lengths[EmulatedNetwork.P] = parameters;
        lengths[EmulatedNetwork.G] = parameters;
        lengths[EmulatedNetwork.A] = c.ActivationsPerSample * batch;
        lengths[EmulatedNetwork.D] = c.ActivationsPerSample * batch;
        lengths[EmulatedNetwork.S] = c.StateLength;
        lengths[EmulatedNetwork.Z] = Math.Max(1, c.Scratch(batch));
        lengths[EmulatedNetwork.X] = inputs.Length;
        lengths[EmulatedNetwork.T] = targets.Length;
        lengths[EmulatedNetwork.L] = batch + 1;
        lengths[EmulatedNetwork.O] = 2 * parameters;
        lengths[EmulatedNetwork.K] = 8;
        using var device = new EmulatedNetwork(c.Source, batch, lengths);
        net.Parameters.CopyTo(device.Arena(EmulatedNetwork.P));
        if (c.StateLength > 0)
        {
            // The state arena holds each BatchNorm layer's running means then variances, in tensor order.
            var state = net.Tensors.Where(t => t.Name.Contains("running_")).SelectMany(t => t.Values.ToArray()).ToArray();
            state.CopyTo(device.Arena(EmulatedNetwork.S));
        }
        inputs.CopyTo(device.Arena(EmulatedNetwork.X));
        targets.CopyTo(device.Arena(EmulatedNetwork.T));

        // Inference: the outputs against Predict.
        device.Run(c.Inference(batch));
        var expectedOutputs = new float[batch * outputs];
        net.Predict(inputs, expectedOutputs);
        int outputOffset = c.OutputOffset * batch;
        float[] emulatedOutputs = device.Arena(EmulatedNetwork.A).Slice(outputOffset, batch * outputs).ToArray();
        double outputError = GoldenTests.MaxError(emulatedOutputs, expectedOutputs);

        // Training: forward, loss, backward against ComputeGradients.
        device.Run(c.TrainingForward(batch));
        device.Run(c.Loss(batch));
        // The backward kernels add to G: left over from "a previous step", then zeroed once as the runner does.
        device.Arena(EmulatedNetwork.G).Fill(0.25f);
        device.Zero(EmulatedNetwork.G);
        device.Run(c.Backward(batch));
        float expectedLoss = net.ComputeGradients(inputs, targets, batch);
        float emulatedLoss = device.Arena(EmulatedNetwork.L)[batch];
        double lossError = Math.Abs(emulatedLoss - expectedLoss) / Math.Max(1, Math.Abs(expectedLoss));
        double gradientError = GoldenTests.MaxError(device.Arena(EmulatedNetwork.G).ToArray(), net.Gradients.ToArray());

        // One step of every update kernel against the C# optimizer, from the same start and the same gradients
        // (Adam's first step is ±η wherever g ≠ 0, so the two paths must share the gradient's last bits).
        float[] gradients = device.Arena(EmulatedNetwork.G).ToArray();
        float[] start = net.Parameters.ToArray();
        double stepError = 0;
        var updates = new (string Kernel, Optimizer Optimizer, float[] Scalars)[]
        {
            ("update_sgd", new Sgd(0.1f), new[] { 0.1f }),
            ("update_momentum", new Sgd(0.1f, momentum: 0.9f), new[] { 0.1f, 0.9f }),
            ("update_nesterov", new Sgd(0.1f, momentum: 0.9f, nesterov: true), new[] { 0.1f, 0.9f }),
            ("update_adagrad", new AdaGrad(0.1f), new[] { 0.1f, 0f, 1e-10f }),
            ("update_rmsprop", new RmsProp(0.01f), new[] { 0.01f, 0.99f, 1e-8f }),
            ("update_adadelta", new AdaDelta(1f), new[] { 1f, 0.9f, 1e-6f }),
            ("update_adam", new Adam(0.01f), new[] { 0.01f, 0.9f, 0.999f, 1e-8f, (float)(0.01 / (1 - 0.9)), (float)Math.Sqrt(1 - 0.999) }),
        };
        foreach (var (kernel, optimizer, scalars) in updates)
        {
            start.CopyTo(device.Arena(EmulatedNetwork.P));
            device.Arena(EmulatedNetwork.O).Clear();
            device.Arena(EmulatedNetwork.K).Clear();
            scalars.CopyTo(device.Arena(EmulatedNetwork.K));
            device.Run(new[] { new CudaLaunch(kernel, (parameters + 255) / 256, 1, 256, 1, 0) });
            float[] expected = (float[])start.Clone();
            optimizer.Step(expected, gradients);
            stepError = Math.Max(stepError, GoldenTests.MaxError(device.Arena(EmulatedNetwork.P).ToArray(), expected));
        }

        _output.WriteLine($"{name}: outputs {outputError:E2}, loss {lossError:E2}, gradients {gradientError:E2}, optimizer steps (7 rules) {stepError:E2} (max error relative to max(1, |value|))");
        Assert.True(outputError < 1e-5, $"outputs differ by {outputError:E2}");
        Assert.True(lossError < 1e-5, $"loss {emulatedLoss} vs {expectedLoss}");
        Assert.True(gradientError < 1e-5, $"gradients differ by {gradientError:E2}");
        Assert.True(stepError < 1e-5, $"parameters after an optimizer step differ by {stepError:E2}");
    }

    [ToolFact(CudaToolchain.Gxx)]
    public void Emulated_dropout_draws_a_seeded_mask_of_about_its_rate()
    {
        const int batch = 64;
        var c = For(new DropoutNet(1), b => TestData.OneHot(b, 4, 5));
        var lengths = new int[12];
        int parameters = c.Network.Parameters.Length;
        lengths[EmulatedNetwork.P] = parameters;
        lengths[EmulatedNetwork.G] = parameters;
        lengths[EmulatedNetwork.A] = lengths[EmulatedNetwork.D] = c.ActivationsPerSample * batch;
        lengths[EmulatedNetwork.Z] = 1;
        lengths[EmulatedNetwork.X] = batch * 6;
        lengths[EmulatedNetwork.T] = batch * 4;
        lengths[EmulatedNetwork.L] = batch + 1;
        lengths[EmulatedNetwork.O] = 2 * parameters;
        lengths[EmulatedNetwork.K] = 8;
        using var device = new EmulatedNetwork(c.Source, batch, lengths);
        c.Network.Parameters.CopyTo(device.Arena(EmulatedNetwork.P));
        TestData.Random(batch * 6, 3).CopyTo(device.Arena(EmulatedNetwork.X));
        var k = device.Arena(EmulatedNetwork.K);
        k[6] = 1; k[7] = 0; // seed, step
        device.Run(c.TrainingForward(batch));
        // Per sample: Hidden [10], Drop [10], Y [4], then Drop's mask [10].
        float[] hidden = device.Arena(EmulatedNetwork.A).Slice(0, batch * 10).ToArray();
        float[] dropped = device.Arena(EmulatedNetwork.A).Slice(10 * batch, batch * 10).ToArray();
        float[] mask = device.Arena(EmulatedNetwork.A).Slice(24 * batch, batch * 10).ToArray();
        const float keep = 1f / (1f - 0.3f);
        Assert.All(mask, m => Assert.True(m == 0f || Math.Abs(m - keep) < 1e-6f, $"mask value {m}"));
        double dropFraction = mask.Count(m => m == 0f) / (double)mask.Length;
        _output.WriteLine($"emulated dropout: {dropFraction:P1} of {mask.Length} values dropped (rate 30%)");
        Assert.InRange(dropFraction, 0.25, 0.35);
        for (int i = 0; i < mask.Length; i++) Assert.Equal(hidden[i] * mask[i], dropped[i], 6);
        // Another step draws another mask; the same step the same one.
        k[7] = 1;
        device.Run(c.TrainingForward(batch));
        Assert.NotEqual(mask, device.Arena(EmulatedNetwork.A).Slice(24 * batch, batch * 10).ToArray());
        k[7] = 0;
        device.Run(c.TrainingForward(batch));
        Assert.Equal(mask, device.Arena(EmulatedNetwork.A).Slice(24 * batch, batch * 10).ToArray());
    }

    [ToolFact(CudaToolchain.Clang, CudaToolchain.Gxx)]
    public void Building_blocks_pass_the_standalone_checks_per_kernel()
    {
        // kernels/tests/run.sh: PTX for sm_80/sm_86, every block against reference loops under the CPU emulation
        // (per-kernel errors printed below), and the same harness under ThreadSanitizer and AddressSanitizer.
        string script = Path.Combine(CudaToolchain.KernelsDirectory(), "tests", "run.sh");
        var (code, output, errors, elapsed) = CudaToolchain.Run("bash", $"\"{script}\"", CudaToolchain.KernelsDirectory());
        _output.WriteLine(output);
        _output.WriteLine($"run.sh took {elapsed.TotalSeconds:F1} s");
        Assert.True(code == 0, output + errors);
    }

    public static IEnumerable<object[]> SanitizerCases() => new[]
    {
        new object[] { nameof(EveryActivationSimd), "address,undefined" }, new object[] { nameof(EveryActivationSimd), "thread" },
        new object[] { nameof(InputBatchNormNet), "address,undefined" }, new object[] { nameof(InputBatchNormNet), "thread" },
        new object[] { nameof(PReLUNet), "address,undefined" }, new object[] { nameof(RegularizedNet), "address,undefined" },
        new object[] { nameof(DropoutNet), "address,undefined" }, new object[] { nameof(DropoutNet), "thread" },
        new object[] { nameof(ResidualNet), "address,undefined" }, new object[] { nameof(ResidualNet), "thread" },
        new object[] { nameof(TransposedUnpoolNet), "address,undefined" }, new object[] { nameof(SeparableMaxoutNet), "address,undefined" },
        new object[] { nameof(ConvSameFullGroups), "address,undefined" }, new object[] { nameof(PoolingNet), "thread" },
        new object[] { nameof(LrnLcn1DNet), "address,undefined" }, new object[] { nameof(LcnConvNet), "thread" }, new object[] { nameof(NoisyNet), "address,undefined" },
    };

    /// <summary>
    /// A generated network's every launch (inference, training forward, loss, backward, all update kernels) run by a
    /// standalone executable under a sanitizer: exact-size arenas expose any out-of-bounds access, TSan any race.
    /// </summary>
    [ToolTheory(CudaToolchain.Gxx)]
    [MemberData(nameof(SanitizerCases))]
    public void Generated_kernels_run_clean_under_sanitizers(string name, string sanitizer)
    {
        const int batch = 5;
        var c = name == nameof(DropoutNet) ? For(new DropoutNet(1), b => TestData.OneHot(b, 4, 5)) : CaseFor(name);
        int parameters = c.Network.Parameters.Length;
        long[] lengths =
        {
            parameters, parameters, c.ActivationsPerSample * batch, c.ActivationsPerSample * batch, c.StateLength, c.Scratch(batch),
            batch * c.Network.InputLength, batch * c.Network.OutputLength, batch, batch + 1, 2 * parameters, 8,
        };
        var launches = c.Inference(batch).Concat(c.TrainingForward(batch)).Concat(c.Loss(batch)).Concat(c.Backward(batch))
            .Concat(new[] { "update_sgd", "update_momentum", "update_nesterov", "update_adagrad", "update_rmsprop", "update_adadelta", "update_adam" }
                .Select(k => new CudaLaunch(k, (parameters + 255) / 256, 1, 256, 1, 0)))
            .ToList();
        // Before the backward launches the gradient arena (1) is zeroed, as CudaNetworkRunner does in its graph.
        int zeroAt = c.Inference(batch).Length + c.TrainingForward(batch).Length + c.Loss(batch).Length;
        IEnumerable<string> Lines(long[] arenas) => new[] { string.Join(" ", arenas) }
            .Concat(launches.Select((l, i) => (i == zeroAt ? "zero 1\n" : "") + $"{l.Kernel} {l.GridX} {l.GridY} {l.BlockX} {l.BlockY} {l.SharedBytes}"));
        string directory = Directory.CreateTempSubdirectory("cn-san-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(directory, "net.cu"), c.Source);
            File.WriteAllLines(Path.Combine(directory, "launches.txt"), Lines(lengths));
            string kernels = CudaToolchain.KernelsDirectory();
            var build = CudaToolchain.Run(CudaToolchain.Gxx,
                $"-std=c++20 -O1 -g -pthread -rdynamic -fsanitize={sanitizer} -fno-sanitize-recover=all -x c++ -include \"{Path.Combine(kernels, "cn_emulation.h")}\" " +
                $"-DCN_BATCH={batch} net.cu \"{Path.Combine(kernels, "tests", "generated_harness.cpp")}\" -o harness -ldl", directory);
            Assert.True(build.ExitCode == 0, build.Errors);
            var run = CudaToolchain.Run(Path.Combine(directory, "harness"), "launches.txt", directory);
            _output.WriteLine($"{name} under -fsanitize={sanitizer}: {run.Output.Trim()} in {run.Elapsed.TotalSeconds:F1} s");
            Assert.True(run.ExitCode == 0 && !run.Errors.Contains("Sanitizer"), run.Output + run.Errors);
            Assert.Contains($"{launches.Count} launches ran, 1 arena zeroed", run.Output);
            if (sanitizer.StartsWith("address", StringComparison.Ordinal))
            {
                // The check is live: one float less of activation and delta arenas and AddressSanitizer reports the overflow
                // (the last per-sample buffer may be delta-only: a residual network's extra gradient contribution).
                lengths[2] -= 1;
                lengths[3] -= 1;
                File.WriteAllLines(Path.Combine(directory, "short.txt"), Lines(lengths));
                var broken = CudaToolchain.Run(Path.Combine(directory, "harness"), "short.txt", directory);
                Assert.NotEqual(0, broken.ExitCode);
                Assert.Contains("heap-buffer-overflow", broken.Errors);
            }
        }
        finally { Directory.Delete(directory, recursive: true); }
    }

    /// <summary>The output buffer is the last layer's, which ends the per-layer part of the arena before the extra buffers.</summary>
}
