using System;
using System.Linq;
using Compiled.Nets.Optimizers;
using Xunit;

namespace Compiled.Nets.Tests;

/// <summary>
/// The composition API: partial runs equal the whole network, two networks trained through each other equal the one
/// network they make together, input gradients match finite differences, and frozen layers keep their parameters.
/// </summary>
public class CompositionTests
{
    private static float[] Uniform(int length, int seed, float low = -1f, float high = 1f)
    {
        var random = new SeededRandom(seed);
        var values = new float[length];
        for (int i = 0; i < length; i++) values[i] = low + (high - low) * random.NextFloat();
        return values;
    }

    private static float[] OneHot(int rows, int classes, int seed)
    {
        var random = new SeededRandom(seed);
        var values = new float[rows * classes];
        for (int r = 0; r < rows; r++) values[r * classes + random.NextInt(classes)] = 1f;
        return values;
    }

    private static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double scale = Math.Max(1.0, Math.Abs(expected[i]));
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance * scale, $"{what}[{i}]: expected {expected[i]:R}, got {actual[i]:R}");
        }
    }

    /// <summary>Copies the whole chain's parameters into its halves (the layouts are the same layers in the same order).</summary>
    private static (ChainWhole Whole, ChainFirst First, ChainSecond Second) Chain()
    {
        var whole = new ChainWhole(4);
        var first = new ChainFirst();
        var second = new ChainSecond();
        whole.Parameters[..ChainFirst.ParameterCount].CopyTo(first.Parameters);
        whole.Parameters[ChainFirst.ParameterCount..].CopyTo(second.Parameters);
        return (whole, first, second);
    }

    [Fact]
    public void Encode_then_decode_is_the_whole_network_exactly_over_several_predict_chunks()
    {
        using var net = new SplitAutoencoder();
        const int count = 300; // more than one Predict chunk of 256
        float[] x = Uniform(count * SplitAutoencoder.InputSize, 1, 0f, 1f);
        var whole = new float[count * SplitAutoencoder.OutputSize];
        net.Predict(x, whole);
        var code = new float[count * net.Code.OutputSize];
        net.ForwardTo(net.Code, x, code);
        var decoded = new float[whole.Length];
        net.ForwardFrom(net.Code, code, decoded);
        Assert.Equal(whole, decoded);

        // The code itself is the Code layer's activation: ForwardTo(Down) then one tanh layer by hand.
        var down = new float[count * net.Down.OutputSize];
        net.ForwardTo(net.Down, x, down);
        var w = net.Code.Weight;
        var b = net.Code.Bias;
        for (int s = 0; s < 3; s++)
            for (int o = 0; o < 4; o++)
            {
                double z = b[o];
                for (int i = 0; i < 8; i++) z += w[o * 8 + i] * down[s * 8 + i];
                Assert.Equal(Math.Tanh(z), code[s * 4 + o], 5);
            }

        // The ends: to the input copies it, to the output is Predict, from the input is Predict.
        var copy = new float[x.Length];
        net.ForwardTo(net.Pixels, x, copy);
        Assert.Equal(x, copy);
        var toEnd = new float[whole.Length];
        net.ForwardTo(net.Reconstruction, x, toEnd);
        Assert.Equal(whole, toEnd);
        var fromStart = new float[whole.Length];
        net.ForwardFrom(net.Pixels, x, fromStart);
        Assert.Equal(whole, fromStart);
    }

    [Fact]
    public void Two_networks_backpropagated_through_each_other_give_the_gradients_of_the_network_they_make()
    {
        var (whole, first, second) = Chain();
        const int batch = 5;
        float[] x = Uniform(batch * 6, 2), t = OneHot(batch, 3, 3);
        float wholeLoss = whole.ComputeGradients(x, t, batch);

        var h = new float[batch * 4];
        first.ForwardTraining(x, h, batch);
        var y = new float[batch * 3];
        second.ForwardTraining(h, y, batch);
        // The softmax cross-entropy's ∂L/∂y, mean over the batch: −t / (y · batch).
        var dy = new float[y.Length];
        double loss = 0;
        for (int i = 0; i < y.Length; i++)
        {
            dy[i] = -t[i] / (y[i] * batch);
            if (t[i] != 0f) loss -= Math.Log(y[i]) / batch;
        }
        Assert.Equal(wholeLoss, loss, 5);
        var dh = new float[h.Length];
        second.Backward(dy, dh);
        first.Backward(dh);

        AssertClose(whole.Gradients[..ChainFirst.ParameterCount], first.Gradients, 1e-5, "first half's gradient");
        AssertClose(whole.Gradients[ChainFirst.ParameterCount..], second.Gradients, 1e-5, "second half's gradient");

        // The loss's own input gradient, parameters and gradients untouched: the same ∂L/∂h.
        float[] gradientsBefore = second.Gradients.ToArray(), parametersBefore = second.Parameters.ToArray();
        var dh2 = new float[h.Length];
        float inputLoss = second.InputGradient(h, t, batch, dh2);
        Assert.Equal(wholeLoss, inputLoss, 5);
        AssertClose(dh, dh2, 1e-5, "∂L/∂h");
        Assert.Equal(gradientsBefore, second.Gradients.ToArray());
        Assert.Equal(parametersBefore, second.Parameters.ToArray());
    }

    [Fact]
    public void Adam_steps_on_the_halves_follow_the_whole_network_step_for_step()
    {
        var (whole, first, second) = Chain();
        whole.Optimizer = new Adam(0.01f);
        first.Optimizer = new Adam(0.01f);
        second.Optimizer = new Adam(0.01f);
        const int batch = 4;
        for (int step = 0; step < 3; step++)
        {
            float[] x = Uniform(batch * 6, 10 + step), t = OneHot(batch, 3, 20 + step);
            whole.TrainStep(x, t, batch);
            var h = new float[batch * 4];
            first.ForwardTraining(x, h, batch);
            var dh = new float[h.Length];
            second.ComputeGradients(h, t, batch); // the second half's own loss and gradients
            second.InputGradient(h, t, batch, dh);
            first.Backward(dh);
            first.ApplyGradients();
            second.ApplyGradients();
        }
        AssertClose(whole.Parameters[..ChainFirst.ParameterCount], first.Parameters, 1e-5, "first half after 3 Adam steps");
        AssertClose(whole.Parameters[ChainFirst.ParameterCount..], second.Parameters, 1e-5, "second half after 3 Adam steps");
        Assert.Equal(3, first.StepCount);
    }

    [Fact]
    public void Backward_with_accumulate_adds_to_the_gradients()
    {
        using var net = new ChainFirst();
        const int batch = 3;
        float[] x = Uniform(batch * 6, 4), g1 = Uniform(batch * 4, 5), g2 = Uniform(batch * 4, 6);
        var h = new float[batch * 4];
        net.ForwardTraining(x, h, batch);
        net.Backward(g1);
        float[] first = net.Gradients.ToArray();
        net.ForwardTraining(x, h, batch);
        net.Backward(g2);
        float[] second = net.Gradients.ToArray();
        net.ForwardTraining(x, h, batch);
        net.Backward(g1);
        net.ForwardTraining(x, h, batch);
        net.Backward(g2, accumulate: true);
        AssertClose(first.Zip(second, (a, b) => a + b).ToArray(), net.Gradients, 1e-6, "accumulated gradient");
    }

    /// <summary>
    /// A GAN discriminator's step: the gradients of two batches run apart (BatchNorm normalising each by its own
    /// statistics) add up to the sum of each batch's ComputeGradients; the parameters stay; a refused call leaves the sum.
    /// </summary>
    [Fact]
    public void Add_gradients_sums_the_gradients_of_batches_run_apart()
    {
        using var net = new PenalizedNormClassifier();
        const int batch = 4;
        float[] a = Uniform(batch * 6, 21), b = Uniform(batch * 6, 22, 0f, 3f);
        float[] ta = OneHot(batch, 3, 23), tb = OneHot(batch, 3, 24);
        float[] parameters = net.Parameters.ToArray();
        float lossA = net.ComputeGradients(a, ta, batch);
        float[] first = net.Gradients.ToArray();
        float lossB = net.ComputeGradients(b, tb, batch);
        // ComputeGradients adds the L2 penalty's gradient once; the sum should hold it once: the twin without the
        // penalty gives the second batch's gradient alone.
        using var twin = new UnpenalizedNormClassifier();
        parameters.CopyTo(twin.Parameters);
        twin.ComputeGradients(b, tb, batch);
        float[] second = twin.Gradients.ToArray();
        Assert.NotEqual(second, net.Gradients.ToArray());

        Assert.Equal(lossA, net.ComputeGradients(a, ta, batch), 5);
        float added = net.AddGradients(b, tb, batch);
        Assert.Equal(lossB, added, 5);
        AssertClose(first.Zip(second, (x, y) => x + y).ToArray(), net.Gradients, 1e-5, "summed gradient");
        Assert.Equal(parameters, net.Parameters.ToArray());

        float[] sum = net.Gradients.ToArray();
        Assert.Throws<ArgumentException>(() => net.AddGradients(b.AsSpan(1).ToArray(), tb, batch));
        Assert.Throws<ArgumentException>(() => net.AddGradients(b, tb, batch + 1));
        var poisoned = (float[])b.Clone();
        poisoned[3] = float.NaN;
        Assert.Throws<ArgumentException>(() => net.AddGradients(poisoned, tb, batch));
        Assert.Equal(sum, net.Gradients.ToArray());
    }

    /// <summary>∂L/∂x from InputGradient against central differences of the loss.</summary>
    private static void CheckInputGradient(ITrainableNetwork net, IComposableNetwork composable, float[] x, float[] t, int batch, double tolerance, float step = 1e-2f)
    {
        var analytic = new float[x.Length];
        float loss = composable.InputGradient(x, t, batch, analytic);
        Assert.Equal(net.EvaluateLoss(x, t, batch), loss, 5);
        float h = step;
        double difference = 0, norm = 0;
        for (int i = 0; i < x.Length; i++)
        {
            float saved = x[i];
            x[i] = saved + h;
            double plus = net.EvaluateLoss(x, t, batch);
            x[i] = saved - h;
            double minus = net.EvaluateLoss(x, t, batch);
            x[i] = saved;
            double numeric = (plus - minus) / (2 * h);
            difference += (numeric - analytic[i]) * (numeric - analytic[i]);
            norm += numeric * numeric;
        }
        Assert.True(norm > 0, "the loss depends on the inputs");
        double relative = Math.Sqrt(difference / norm);
        Assert.True(relative < tolerance, $"‖numeric − analytic‖ / ‖numeric‖ = {relative:E2}");
    }

    [Fact]
    public void Input_gradient_of_a_convolutional_graph_whose_input_feeds_two_layers_matches_finite_differences()
    {
        using var net = new InputGradientCnn();
        const int batch = 2;
        CheckInputGradient(net, net, Uniform(batch * 72, 7), OneHot(batch, 2, 8), batch, 2e-2);
    }

    [Fact]
    public void Input_gradient_through_time_of_an_lstm_matches_finite_differences()
    {
        using var net = new InputGradientLstm();
        const int batch = 3;
        CheckInputGradient(net, net, Uniform(batch * 12, 9), Uniform(batch * 2, 10, -0.5f, 0.5f), batch, 2e-2);
    }

    [Fact]
    public void Input_gradient_of_a_logistic_autoencoder_matches_finite_differences()
    {
        using var net = new SplitAutoencoder();
        const int batch = 2;
        float[] x = Uniform(batch * 12, 11, 0f, 1f);
        CheckInputGradient(net, net, x, x.ToArray(), batch, 2e-2, 1e-3f);
    }

    [Fact]
    public void A_layer_frozen_in_the_declaration_keeps_its_parameters_while_the_rest_train_as_without_the_freeze()
    {
        using var frozen = new FrozenEncoderClassifier();
        using var free = new UnfrozenEncoderClassifier();
        Assert.Equal(free.Parameters.ToArray(), frozen.Parameters.ToArray());
        frozen.Optimizer = new Adam(0.05f);
        free.Optimizer = new Adam(0.05f);
        Assert.False(frozen.Encoder.Trainable);
        Assert.False(frozen.Trainable);
        Assert.True(frozen.Head.Trainable);
        const int batch = 6;
        float[] x = Uniform(batch * 6, 12), t = OneHot(batch, 3, 13);
        float[] encoderBefore = frozen.Encoder.Weight.ToArray(), encoderBias = frozen.Encoder.Bias.ToArray();
        frozen.TrainStep(x, t, batch);
        free.TrainStep(x, t, batch);
        Assert.Equal(encoderBefore, frozen.Encoder.Weight.ToArray());
        Assert.Equal(encoderBias, frozen.Encoder.Bias.ToArray());
        Assert.NotEqual(encoderBefore, free.Encoder.Weight.ToArray());
        // The same gradients reach the layers after it, and Adam updates them the same, element for element.
        Assert.Equal(free.Head.Weight.ToArray(), frozen.Head.Weight.ToArray());
        Assert.Equal(free.Norm.Weight.ToArray(), frozen.Norm.Weight.ToArray());
        Assert.Equal(free.Gradients.ToArray(), frozen.Gradients.ToArray());

        // Unfrozen at run time, it trains.
        frozen.Encoder.Trainable = true;
        Assert.True(frozen.Trainable);
        frozen.TrainStep(x, t, batch);
        Assert.NotEqual(encoderBefore, frozen.Encoder.Weight.ToArray());
    }

    [Fact]
    public void A_frozen_network_changes_no_parameter_but_still_updates_its_running_statistics()
    {
        using var net = new UnfrozenEncoderClassifier();
        net.Optimizer = new Adam(0.05f);
        net.Trainable = false;
        Assert.All(net.Layers, l => Assert.False(l.Trainable));
        float[] before = net.Parameters.ToArray();
        float[] statistics = net.Tensors.Single(t => t.Name == "Norm.running_mean").Values.ToArray();
        const int batch = 4;
        net.TrainStep(Uniform(batch * 6, 14), OneHot(batch, 3, 15), batch);
        Assert.Equal(before, net.Parameters.ToArray());
        Assert.NotEqual(statistics, net.Tensors.Single(t => t.Name == "Norm.running_mean").Values.ToArray());
        Assert.Equal(1, net.StepCount);
        net.Trainable = true;
        net.TrainStep(Uniform(batch * 6, 14), OneHot(batch, 3, 15), batch);
        Assert.NotEqual(before, net.Parameters.ToArray());
    }

    [Fact]
    public void Starting_after_a_layer_that_a_skip_connection_bypasses_is_refused_with_the_reason()
    {
        using var net = new SkipAroundMiddle();
        var values = new float[4];
        var outputs = new float[2];
        var refused = Assert.Throws<ArgumentException>(() => net.ForwardFrom(net.Middle, values, outputs));
        Assert.Contains("Join reads Entry", refused.Message);
        // From the join on, or from Entry (everything after it reads Entry or later), it runs.
        var whole = new float[2];
        float[] x = Uniform(4, 16);
        net.Predict(x, whole);
        var entry = new float[4];
        net.ForwardTo(net.Entry, x, entry);
        net.ForwardFrom(net.Entry, entry, outputs);
        Assert.Equal(whole, outputs);
    }

    [Fact]
    public void Misuse_is_refused_before_anything_changes()
    {
        using var net = new ChainFirst();
        using var other = new ChainSecond();
        var h = new float[4];
        Assert.Throws<ArgumentException>(() => net.ForwardTo(other.C, new float[6], new float[5]));
        Assert.Throws<ArgumentNullException>(() => net.ForwardTo(null!, new float[6], new float[5]));
        var wrongLength = Assert.Throws<ArgumentException>(() => net.ForwardTo(net.A, new float[6], new float[4]));
        Assert.Contains("outputs", wrongLength.Message);

        var noForward = Assert.Throws<InvalidOperationException>(() => net.Backward(new float[4]));
        Assert.Contains("ForwardTraining", noForward.Message);
        net.ForwardTraining(Uniform(6, 17), h, 1);
        net.Backward(Uniform(4, 18));
        float[] gradients = net.Gradients.ToArray();
        Assert.Throws<ArgumentException>(() => net.Backward(new float[3]));
        Assert.Throws<ArgumentException>(() => net.Backward(new float[4], new float[5]));
        Assert.Throws<ArgumentException>(() => net.Backward(new[] { 0f, float.NaN, 0f, 0f }));
        Assert.Equal(gradients, net.Gradients.ToArray());

        // Another training call replaces the activations Backward would read.
        net.TrainStep(Uniform(6, 19), Uniform(4, 20), 1);
        Assert.Throws<InvalidOperationException>(() => net.Backward(new float[4]));
    }
}
