using System;
using System.Linq;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using TorchSharp;

namespace Compiled.Nets.Benchmarks.TorchSharp;

/// <summary>
/// `dotnet run -c Release --project tests/Compiled.Nets.Benchmarks.TorchSharp -- [--quick] [--check] [BenchmarkDotNet args]`.
/// Benchmarks run in this process: a BenchmarkDotNet child build would copy LibTorch again, without the
/// GLIBCXX fix that this project's build applies. --quick is BenchmarkDotNet's short job; --check runs one
/// forward pass and prints it (the libraries load and compute).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Contains("--check"))
        {
            using var y = torch.nn.functional.softmax(torch.tensor(new float[] { 1f, 2f, 3f }), 0);
            Console.WriteLine($"LibTorch {torch.__version__}, {torch.get_num_threads()} threads: softmax(1, 2, 3) = " +
                string.Join(", ", y.data<float>().ToArray().Select(v => v.ToString("F4"))));
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
