using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Compiled.Nets.Data;
using Compiled.Nets.Optimizers;
using Compiled.Nets.Training;
using Xunit;
using Xunit.Abstractions;

namespace Compiled.Nets.Tests;

public class FitTests
{
    private readonly ITestOutputHelper _output;
    public FitTests(ITestOutputHelper output) => _output = output;

    private sealed class Recorder : IProgress<TrainingProgress>
    {
        public readonly List<TrainingProgress> Reports = new();
        public void Report(TrainingProgress value) => Reports.Add(value);
    }

    private static (ClassificationData Train, ClassificationData Test) Iris()
    {
        var data = ClassificationData.LoadCsv(TestData.PathOf("data", "iris.csv"));
        var (train, test) = data.Split(0.3, seed: 42);
        var (mean, std) = train.FeatureStatistics();
        return (train.Standardize(mean, std), test.Standardize(mean, std));
    }

    [Fact]
    public void Fit_trains_reports_progress_and_validates_every_epoch()
    {
        var (train, test) = Iris();
        var net = new IrisNet { Optimizer = new Adam(0.01f) };
        var recorder = new Recorder();
        var history = net.Fit(train, new FitOptions { Epochs = 30, BatchSize = 16, ProgressReportsPerEpoch = 3 }, test, recorder);
        _output.WriteLine($"iris with Fit + Adam: last epoch {history.Last}");
        Assert.Equal(30, history.Epochs.Count);
        Assert.True(history.Last.ValidationAccuracy >= 0.95, $"{history.Last.ValidationAccuracy:P1}");
        Assert.True(history.Last.TrainingLoss < history.Epochs[0].TrainingLoss);
        var completed = recorder.Reports.Where(r => r.Completed is not null).ToList();
        Assert.Equal(30, completed.Count);
        Assert.Equal(Enumerable.Range(1, 30), completed.Select(r => r.Epoch));
        Assert.Contains(recorder.Reports, r => r.Completed is null && r.Batch < r.Batches);
        Assert.All(recorder.Reports, r => Assert.InRange(r.Batch, 1, r.Batches));
    }

    [Fact]
    public void Same_seed_gives_the_same_history()
    {
        var (train, test) = Iris();
        var a = new IrisNet().Fit(train, new FitOptions { Epochs = 3, Seed = 5 }, test);
        var b = new IrisNet().Fit(train, new FitOptions { Epochs = 3, Seed = 5 }, test);
        var c = new IrisNet().Fit(train, new FitOptions { Epochs = 3, Seed = 6 }, test);
        Assert.Equal(a.Epochs.Select(e => e.TrainingLoss), b.Epochs.Select(e => e.TrainingLoss));
        Assert.NotEqual(a.Epochs.Select(e => e.TrainingLoss), c.Epochs.Select(e => e.TrainingLoss));
    }

    [Fact]
    public void Schedule_sets_the_learning_rate_per_epoch()
    {
        var (train, _) = Iris();
        var net = new IrisNet();
        var history = net.Fit(train, new FitOptions { Epochs = 5, Schedule = new StepDecay(2, 0.5f) });
        Assert.Equal(new[] { 0.1f, 0.1f, 0.05f, 0.05f, 0.025f }, history.Epochs.Select(e => e.LearningRate));
    }

    [Fact]
    public void Early_stopping_stops_after_patience_and_restores_the_best_weights()
    {
        var (train, test) = Iris();
        // A learning rate this high overshoots, so validation loss stops improving quickly.
        var net = new IrisNet { Optimizer = new Sgd(2.5f) };
        var history = net.Fit(train, new FitOptions { Epochs = 200, EarlyStoppingPatience = 3 }, test);
        _output.WriteLine($"stopped after {history.Epochs.Count} epochs, best epoch {history.BestEpoch}");
        Assert.True(history.StoppedEarly);
        Assert.Equal(history.BestEpoch + 3, history.Epochs.Count);
        float best = history.Epochs[history.BestEpoch - 1].ValidationLoss;
        Assert.Equal(history.Epochs.Min(e => e.ValidationLoss), best);
        var (restoredLoss, _) = Trainer.Evaluate(net, test);
        Assert.Equal(best, restoredLoss, 5);
    }

    [Fact]
    public void Cancellation_stops_training()
    {
        var (train, _) = Iris();
        using var source = new CancellationTokenSource();
        var net = new IrisNet();
        var progress = new ImmediateProgress(p => { if (p.Epoch == 2) source.Cancel(); });
        Assert.Throws<OperationCanceledException>(() => net.Fit(train, new FitOptions { Epochs = 50 }, progress: progress, cancellationToken: source.Token));
        Assert.InRange(net.StepCount, 4, 12);
    }

    private sealed class ImmediateProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }

    [Fact]
    public void Class_weights_weigh_the_loss_by_the_label()
    {
        var (train, _) = Iris();
        var weights = new float[] { 1f, 1f, 5f };
        var weighted = new IrisNet().Fit(train, new FitOptions { Epochs = 1, Shuffle = false, ClassWeights = weights });
        var plain = new IrisNet().Fit(train, new FitOptions { Epochs = 1, Shuffle = false });
        Assert.NotEqual(plain.Last.TrainingLoss, weighted.Last.TrainingLoss);
        Assert.Throws<ArgumentException>(() => new IrisNet().Fit(train, new FitOptions { ClassWeights = new float[] { 1f } }));
        float[] balanced = ClassWeights.Balanced(train.Labels, 3);
        Assert.All(balanced, w => Assert.InRange(w, 0.9f, 1.1f)); // iris is balanced
    }

    [Fact]
    public void Fit_checks_its_arguments()
    {
        var (train, _) = Iris();
        var net = new IrisNet();
        Assert.Throws<ArgumentOutOfRangeException>(() => net.Fit(train, new FitOptions { Epochs = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => net.Fit(train, new FitOptions { BatchSize = 0 }));
        var wrongFeatures = new ClassificationData(new float[10], new int[] { 0, 1 }, 5, 3);
        var e = Assert.Throws<ArgumentException>(() => net.Fit(wrongFeatures));
        Assert.Contains("5 features", e.Message);
    }

    [Fact]
    public void Regression_overload_trains_on_float_targets()
    {
        var net = new GoldenLeakySoftplusMse(2) { Optimizer = new Adam(0.01f) };
        float[] x = TestData.Random(64 * 3, 1);
        var y = new float[64 * 2];
        for (int i = 0; i < 64; i++) { y[2 * i] = x[3 * i] - 0.5f * x[3 * i + 1]; y[2 * i + 1] = 0.25f * x[3 * i + 2]; }
        var history = net.Fit(x, y, new FitOptions { Epochs = 60, BatchSize = 16 }, (x, y));
        _output.WriteLine($"regression: loss {history.Epochs[0].TrainingLoss:F4} → {history.Last.ValidationLoss:F4}");
        Assert.True(history.Last.ValidationLoss < 0.1f * history.Epochs[0].TrainingLoss);
        Assert.True(double.IsNaN(history.Last.ValidationAccuracy));
    }
}
