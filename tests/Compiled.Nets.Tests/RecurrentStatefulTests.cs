using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using Compiled.Nets.Training;
using Xunit;
using Xunit.Abstractions;

namespace Compiled.Nets.Tests;

/// <summary>
/// Stateful recurrent layers and truncated backpropagation through time: against PyTorch with detach() between chunks
/// (Fixtures/golden_recurrent.json, "truncated"), chunked inference against the whole sequence, ResetState, refused steps,
/// Fit's ordered batches, and the CPU-only device rule.
/// </summary>
public class RecurrentStatefulTests
{
    private readonly ITestOutputHelper _output;
    public RecurrentStatefulTests(ITestOutputHelper output) => _output = output;

    private sealed record TruncatedCase(string Name, int Batch, float[] Parameters, float[][] Inputs, float[][] Targets, float LearningRate,
        float[] Losses, float[] ParametersAfter);

    private static readonly Lazy<Dictionary<string, TruncatedCase>> Cases = new(() =>
    {
        using var document = JsonDocument.Parse(File.ReadAllText(TestData.PathOf("Fixtures", "golden_recurrent.json")));
        return document.RootElement.GetProperty("truncated").EnumerateArray().Select(c => new TruncatedCase(
            c.GetProperty("name").GetString()!, c.GetProperty("batch").GetInt32(), GoldenTests.Floats(c.GetProperty("parameters")),
            c.GetProperty("inputs").EnumerateArray().Select(GoldenTests.Floats).ToArray(), c.GetProperty("targets").EnumerateArray().Select(GoldenTests.Floats).ToArray(),
            (float)c.GetProperty("learning_rate").GetDouble(), GoldenTests.Floats(c.GetProperty("losses")), GoldenTests.Floats(c.GetProperty("parameters_after"))))
            .ToDictionary(c => c.Name);
    });

    private static ITrainableNetwork Create(string name) => name switch
    {
        nameof(TbpttLstm) => new TbpttLstm(1),
        nameof(TbpttGru) => new TbpttGru(1),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [InlineData(nameof(TbpttLstm))]
    [InlineData(nameof(TbpttGru))]
    public void Truncated_bptt_matches_pytorch_with_detach_between_chunks(string name)
    {
        var c = Cases.Value[name];
        var net = Create(name);
        c.Parameters.CopyTo(net.Parameters);
        net.LearningRate = c.LearningRate;
        double lossError = 0;
        for (int k = 0; k < c.Inputs.Length; k++)
        {
            float loss = net.TrainStep(c.Inputs[k], c.Targets[k], c.Batch);
            lossError = Math.Max(lossError, Math.Abs(loss - c.Losses[k]) / Math.Max(1, Math.Abs(c.Losses[k])));
        }
        double parameterError = GoldenTests.MaxError(net.Parameters.ToArray(), c.ParametersAfter);
        _output.WriteLine($"{name}: {c.Inputs.Length} chunks, losses {string.Join(", ", c.Losses.Select(l => l.ToString("G5")))}; loss error {lossError:E2}, parameters after {parameterError:E2}");
        Assert.True(lossError < 2e-5, $"losses differ by {lossError:E2}");
        Assert.True(parameterError < 2e-5, $"parameters differ by {parameterError:E2}");

        // Without the carried state (a reset before every chunk) the later chunks' losses differ: the state did carry.
        var fresh = Create(name);
        c.Parameters.CopyTo(fresh.Parameters);
        fresh.LearningRate = c.LearningRate;
        var stateful = (IStatefulNetwork)fresh;
        fresh.TrainStep(c.Inputs[0], c.Targets[0], c.Batch);
        stateful.ResetState();
        float reset = fresh.TrainStep(c.Inputs[1], c.Targets[1], c.Batch);
        Assert.True(Math.Abs(reset - c.Losses[1]) > 1e-4, $"chunk 2 from zero state gave {reset}, as with the carried state {c.Losses[1]}");
    }

    [Fact]
    public void Chunked_inference_gives_the_whole_sequence_outputs_and_reset_starts_again()
    {
        const int batch = 3;
        var chunked = new TbpttLstm(5);
        var whole = new TbpttLstmWhole(6);
        Assert.Equal(chunked.Parameters.Length, whole.Parameters.Length);
        chunked.Parameters.CopyTo(whole.Parameters);
        float[] sequence = TestData.Random(batch * 8 * 2, 7); // [b][8 steps][2]
        var first = new float[batch * 4 * 2];
        var second = new float[batch * 4 * 2];
        for (int s = 0; s < batch; s++)
        {
            sequence.AsSpan(s * 16, 8).CopyTo(first.AsSpan(s * 8));
            sequence.AsSpan(s * 16 + 8, 8).CopyTo(second.AsSpan(s * 8));
        }
        var expected = new float[batch * 8 * 2];
        whole.Predict(sequence, expected);

        var outputs = new float[batch * 4 * 2];
        chunked.Predict(first, outputs);
        chunked.Predict(second, outputs); // starts from the state the first chunk left
        var expectedSecond = new float[batch * 4 * 2];
        for (int s = 0; s < batch; s++) expected.AsSpan(s * 16 + 8, 8).CopyTo(expectedSecond.AsSpan(s * 8));
        double error = GoldenTests.MaxError(outputs, expectedSecond);
        _output.WriteLine($"second chunk after the first vs the whole 8-step sequence: {error:E2}");
        Assert.True(error < 1e-5, $"chunked outputs differ by {error:E2}");

        // Forward, one sample at a time, continues its own slot as well (sample 0's stream).
        chunked.ResetState();
        var one = new float[8];
        chunked.Forward(first.AsSpan(0, 8), one);
        chunked.Forward(second.AsSpan(0, 8), one);
        Assert.True(GoldenTests.MaxError(one, expectedSecond.AsSpan(0, 8).ToArray()) < 1e-5);

        chunked.ResetState();
        chunked.Predict(second, outputs);
        Assert.True(GoldenTests.MaxError(outputs, expectedSecond) > 1e-4, "after ResetState the chunk starts from zero, not from the first chunk");
    }

    [Fact]
    public void A_refused_step_leaves_the_carried_state_as_it_was()
    {
        var c = Cases.Value[nameof(TbpttLstm)];
        var net = new TbpttLstm(1);
        c.Parameters.CopyTo(net.Parameters);
        net.LearningRate = c.LearningRate;
        net.TrainStep(c.Inputs[0], c.Targets[0], c.Batch);
        var bad = (float[])c.Targets[1].Clone();
        bad[3] = float.NaN;
        Assert.ThrowsAny<ArgumentException>(() => net.TrainStep(c.Inputs[1], bad, c.Batch));
        float loss = net.TrainStep(c.Inputs[1], c.Targets[1], c.Batch);
        Assert.True(Math.Abs(loss - c.Losses[1]) < 2e-5 * Math.Max(1, Math.Abs(c.Losses[1])), $"after a refused step the chunk's loss is {loss}, PyTorch's {c.Losses[1]}");
    }

    [Fact]
    public void Fit_takes_ordered_stateful_batches_like_a_loop_of_train_steps()
    {
        const int batch = 3, chunks = 4;
        float[] inputs = TestData.Random(batch * chunks * 8, 11); // chunk k holds samples [3k, 3k + 3): stream i continues at i + 3
        float[] targets = TestData.Random(batch * chunks * 8, 12);
        var fitted = new TbpttLstm(9);
        var looped = new TbpttLstm(9);
        fitted.Fit(inputs, targets, new FitOptions { Epochs = 2, BatchSize = batch, Stateful = true });
        for (int epoch = 0; epoch < 2; epoch++)
        {
            looped.ResetState();
            for (int k = 0; k < chunks; k++)
                looped.TrainStep(inputs.AsSpan(k * batch * 8, batch * 8), targets.AsSpan(k * batch * 8, batch * 8), batch);
        }
        Assert.Equal(looped.Parameters.ToArray(), fitted.Parameters.ToArray());

        var untouched = new TbpttLstm(9);
        float[] before = untouched.Parameters.ToArray();
        var noOption = Assert.Throws<ArgumentException>(() => untouched.Fit(inputs, targets, new FitOptions { BatchSize = batch }));
        Assert.Contains("Stateful = true", noOption.Message);
        var ragged = Assert.Throws<ArgumentException>(() => untouched.Fit(inputs, targets, new FitOptions { BatchSize = 5, Stateful = true }));
        Assert.Contains("not a multiple of the batch size 5", ragged.Message);
        var notStateful = Assert.Throws<ArgumentException>(() => new GoldenRnnTanh(1).Fit(TestData.Random(6 * 15, 1), TestData.Random(6 * 2, 2),
            new FitOptions { BatchSize = 3, Stateful = true }));
        Assert.Contains("no stateful recurrent layer", notStateful.Message);
        Assert.Equal(before, untouched.Parameters.ToArray());
    }

    [Fact]
    public void Stateful_networks_stay_on_the_cpu()
    {
        var net = new TbpttGru(1);
        Assert.Throws<NotSupportedException>(() => net.UseDevice(Device.Cuda));
        Assert.Contains("stateful", net.UseDevice(Device.Auto));
        Assert.Equal(Device.Cpu, net.Device);
    }
}
