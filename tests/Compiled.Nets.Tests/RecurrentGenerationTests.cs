using System;
using System.Linq;
using Compiled.Nets.Samples.CharModel;
using Xunit;
using Xunit.Abstractions;

namespace Compiled.Nets.Tests;

/// <summary>Free-running generation (Generate) and the character model learning on the bundled English text with truncated BPTT.</summary>
public class RecurrentGenerationTests
{
    private readonly ITestOutputHelper _output;
    public RecurrentGenerationTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void Generate_feeds_each_output_step_back_as_the_next_input()
    {
        // SequenceInput(4, 2) → Lstm(3, every step) → Dense(2) per step: an output step is an input step.
        var net = new GoldenLstmPeephole(3);
        float[] prompt = { 0.5f, -0.25f, 0.1f, 0.9f }; // two steps
        var generated = new float[6 * 2];
        net.Generate(prompt, generated);

        // By hand: a window of the network's 4 steps, the last filled step's output appended, the oldest step dropped when full.
        var window = new float[8];
        prompt.CopyTo(window, 0);
        int filled = 2;
        var outputs = new float[8];
        for (int n = 0; n < 6; n++)
        {
            net.Forward(window, outputs);
            var next = outputs.AsSpan((filled - 1) * 2, 2).ToArray();
            Assert.Equal(next, generated.AsSpan(n * 2, 2).ToArray());
            if (filled == 4) { Array.Copy(window, 2, window, 0, 6); filled--; }
            next.CopyTo(window, filled * 2);
            filled++;
        }
        Assert.Throws<ArgumentException>(() => net.Generate(new float[10], generated)); // five steps: longer than the network's four
        Assert.Throws<ArgumentException>(() => net.Generate(new float[3], generated));  // not whole steps
    }

    [Fact]
    public void Generate_samples_tokens_reproducibly_and_temperature_zero_is_the_most_likely_token()
    {
        var net = new GoldenEmbeddingLstm(4);
        float[] prompt = { 1, 2, 3 };
        var greedy = new float[8];
        net.Generate(prompt, greedy, temperature: 0f);
        var window = new float[5];
        prompt.CopyTo(window, 0);
        int filled = 3;
        var outputs = new float[5 * 7];
        foreach (float token in greedy)
        {
            net.Forward(window, outputs);
            var step = outputs.AsSpan((filled - 1) * 7, 7).ToArray();
            Assert.Equal(Array.IndexOf(step, step.Max()), (int)token);
            if (filled == 5) { Array.Copy(window, 1, window, 0, 4); filled--; }
            window[filled++] = token;
        }

        var a = new float[50];
        var b = new float[50];
        net.Generate(prompt, a, temperature: 1.5f, new SeededRandom(9));
        net.Generate(prompt, b, temperature: 1.5f, new SeededRandom(9));
        Assert.Equal(a, b);
        Assert.All(a, t => Assert.InRange(t, 0, 6));
        Assert.True(a.Distinct().Count() > 2, "sampling at a high temperature draws more than the top tokens");
        var error = Assert.Throws<ArgumentException>(() => net.Generate(new float[] { 1, 9 }, a));
        Assert.Contains("[0, 7)", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => net.Generate(prompt, a, temperature: -1f));
    }

    [Fact]
    public void The_character_model_learns_english_text_with_truncated_bptt()
    {
        string directory = TestData.RepositoryPath(new[] { "samples", "data", "text" });
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var result = Program.Train(directory, epochs: 4, sampleLength: 200);
        _output.WriteLine($"4 epochs in {clock.Elapsed.TotalSeconds:F1} s: held-out {result.HeldOutNatsPerChar:F3} nats/char (unigram {result.UnigramNats:F3}); " +
                          $"per epoch: {string.Join(", ", result.History.Epochs.Select(e => e.ValidationLoss.ToString("F3")))}");
        _output.WriteLine(result.Sample);
        Assert.True(result.HeldOutNatsPerChar < 2.4f, $"held-out loss {result.HeldOutNatsPerChar:F3} nats per character");
        Assert.True(result.History.Epochs[^1].ValidationLoss < result.History.Epochs[0].ValidationLoss);
        Assert.Equal(30 + 200, result.Sample.Length);
        // English-like output: mostly letters and spaces, and common words appear.
        Assert.True(result.Sample.Count(c => char.IsLetter(c) || c == ' ') > 0.8 * result.Sample.Length);
        Assert.Contains(" the ", result.Sample);
    }
}
