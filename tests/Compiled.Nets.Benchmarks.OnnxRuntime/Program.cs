using System;
using System.IO;
using System.Linq;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Compiled.Nets.Benchmarks.OnnxRuntime;

/// <summary>
/// `dotnet run -c Release --project tests/Compiled.Nets.Benchmarks.OnnxRuntime -- [--quick] [--check] [BenchmarkDotNet args]`,
/// from the repository root after `/usr/bin/python3 tests/benchmarks/export_onnx.py tests/benchmarks/out/onnx`
/// (or with $COMPILED_NETS_ONNX_DIR). Runs in this process like the TorchSharp anchor; --quick is BenchmarkDotNet's
/// short job; --check runs each model once and prints its first outputs.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Contains("--check"))
        {
            var bench = new OnnxRuntimeAnchors { Threads = 1 };
            bench.Setup();
            Console.WriteLine($"ONNX Runtime, models from {Path.GetFullPath(OnnxRuntimeAnchors.ModelDirectory)}:");
            Console.WriteLine($"  XOR y = {bench.ForwardXor():F4}, MLP y[0] = {bench.ForwardMlp():F4}, MLP b64 y[0] = {bench.PredictMlpBatch64():F4}, LeNet-5 b64 y[0] = {bench.PredictLeNet5Batch64():F4}");
            Console.WriteLine($"  int8 QDQ against Compiled.Nets' int8 output on the stored input: MLP max |difference| {bench.Int8Difference(lenet: false):G3}, LeNet-5 {bench.Int8Difference(lenet: true):G3}");
            bench.Cleanup();
            foreach (var file in new[] { "mlp_int8_b1.onnx", "lenet5_int8_b1.onnx" })
                Console.WriteLine($"  {file} after ONNX Runtime's graph optimisations: {OnnxRuntimeAnchors.OptimizedOps(file)}");
            return 0;
        }
        // In-process runs stop a benchmark after 5 minutes by default; a loaded machine can stall the multi-threaded
        // cases that long, and 30 iterations are plenty for an anchor.
        var job = (args.Contains("--quick") ? Job.ShortRun : Job.Default.WithMinIterationCount(10).WithMaxIterationCount(30))
            .WithToolchain(new InProcessEmitToolchain(TimeSpan.FromMinutes(30), logOutput: true));
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly)
            .Run(args.Where(a => a != "--quick").ToArray(), DefaultConfig.Instance.AddJob(job));
        return 0;
    }
}
