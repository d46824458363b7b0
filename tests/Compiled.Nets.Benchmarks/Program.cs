using BenchmarkDotNet.Running;

namespace Compiled.Nets.Benchmarks;

/// <summary>
/// Runs the suites: `dotnet run -c Release --project tests/Compiled.Nets.Benchmarks -- --filter '*'`.
/// tests/benchmarks/run-all.sh runs ReferenceComparison beside PyTorch and FANN and prints the ratios.
/// </summary>
public static class Program
{
    public static void Main(string[] args)
    {
        if (args.Length == 1 && args[0] == "--quick-cnn")
        {
            CnnComparison.QuickTiming();
            return;
        }
        if (args.Length is 1 or 2 && args[0] == "--adam-long-run")
        {
            AdamLongRun.Run(args.Length == 2 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 100_000);
            return;
        }
        if (args.Length is 1 or 2 && args[0] == "--quick-lstm")
        {
            if (args.Length == 2 && args[1] == "totals") RecurrentComparison.QuickTotals();
            else if (args.Length == 2 && args[1] == "b1") RecurrentComparison.QuickBatchOne();
            else if (args.Length == 2 && args[1] == "dw") RecurrentComparison.QuickHiddenWeightGradient();
            else RecurrentComparison.QuickTiming();
            return;
        }
        if (args.Length == 1 && args[0] == "--quick")
        {
            QuickTimings.Run();
            return;
        }
        if (args.Length is 1 or 2 && args[0] == "--layers")
        {
            LayerTimings.Run(args.Length == 2 ? double.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 0);
            return;
        }
        if (args.Length == 1 && args[0] == "--quick-xor-parts")
        {
            QuickXorParts.Run();
            return;
        }
        if (args.Length == 1 && args[0] == "--quick-int8")
        {
            QuantizedInference.QuickTiming();
            return;
        }
        if (args.Length == 2 && args[0] == "--export-int8")
        {
            QuantizedInference.ExportModels(args[1]);
            return;
        }
        if (args.Length == 1 && args[0] == "--quick-xor")
        {
            QuickXor.Run();
            return;
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
