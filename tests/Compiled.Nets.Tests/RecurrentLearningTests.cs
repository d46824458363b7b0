using System.Diagnostics;
using System.Linq;
using Compiled.Nets.Samples.Sequences;
using Xunit;
using Xunit.Abstractions;

namespace Compiled.Nets.Tests;

/// <summary>
/// The recurrent layers learn what they are for, trained as samples/Sequences trains them: the adding problem
/// (a long time lag an LSTM bridges and an Elman RNN does not) and sequential MNIST.
/// </summary>
public class RecurrentLearningTests
{
    private readonly ITestOutputHelper _output;
    public RecurrentLearningTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void Adding_problem_at_T100_an_lstm_learns_the_sum_and_a_simple_rnn_of_the_same_size_on_the_same_budget_does_not()
    {
        var clock = Stopwatch.StartNew();
        var (baseline, lstm, rnn) = AddingProblem.Run(seed: 1);
        _output.WriteLine($"adding problem, T = {AddingProblem.Length}, {AddingProblem.Steps} steps of {AddingProblem.BatchSize}: " +
                          $"held-out MSE predicting the mean {baseline:F4}, {lstm.Name} {lstm.HeldOutMse:F5} ({lstm.Elapsed.TotalSeconds:F1} s), " +
                          $"{rnn.Name} {rnn.HeldOutMse:F5} ({rnn.Elapsed.TotalSeconds:F1} s); {clock.Elapsed.TotalSeconds:F1} s in all");
        _output.WriteLine("LSTM held-out MSE per epoch: " + string.Join(" ", lstm.History.Epochs.Select(e => e.ValidationLoss.ToString("F4"))));
        _output.WriteLine("RNN held-out MSE per epoch:  " + string.Join(" ", rnn.History.Epochs.Select(e => e.ValidationLoss.ToString("F4"))));

        // The data are what the problem says: the variance of a sum of two uniforms is 1/6.
        Assert.InRange(baseline, 0.15, 0.185);
        Assert.Equal(AddingProblem.Epochs, lstm.History.Epochs.Count);
        Assert.Equal(AddingProblem.Epochs, rnn.History.Epochs.Count);
        Assert.True(lstm.HeldOutMse < 0.005, $"LSTM held-out MSE {lstm.HeldOutMse:F5}, baseline {baseline:F4}");
        Assert.True(rnn.HeldOutMse > 0.05, $"SimpleRnn held-out MSE {rnn.HeldOutMse:F5}, baseline {baseline:F4}");
        // The reported MSE is the network's own: the last epoch's validation loss on the same held-out sequences.
        Assert.Equal(lstm.HeldOutMse, lstm.History.Last.ValidationLoss, 1e-5);
    }

    /// <summary>
    /// The sample's network and training (Adam 2·10⁻³, cosine, batch 64) on a smaller budget: 6 epochs instead of 20,
    /// measured at 95.05% (seed 1; 97.30% after the sample's 20), so 94% leaves a point for other rounding.
    /// </summary>
    [Fact]
    public void Sequential_mnist_an_lstm_over_the_rows_reaches_94_percent_on_the_subset_in_six_epochs()
    {
        var (train, test) = Compiled.Nets.Data.Mnist.LoadDirectory(TestData.PathOf("data", "mnist"));
        using var net = SequentialMnist.Create(seed: 1);
        var (history, accuracy, elapsed) = SequentialMnist.Train(net, train, test, epochs: 6, seed: 1);
        _output.WriteLine($"sequential MNIST, Lstm(128): {accuracy:P2} on the {test.Count} test images after {history.Epochs.Count} epochs, " +
                          $"{elapsed.TotalSeconds:F1} s; per epoch: " + string.Join(" ", history.Epochs.Select(e => e.ValidationAccuracy.ToString("P1"))));
        Assert.Equal(6, history.Epochs.Count);
        Assert.True(accuracy >= 0.94, $"test accuracy {accuracy:P2}");
    }
}
