using System;
using System.Collections.Generic;
using Compiled.Nets.IO;
using Compiled.Nets.CompilerServices;

namespace Compiled.Nets.Unsupervised;

/// <summary>
/// A restricted Boltzmann machine of binary stochastic units (Smolensky 1986; Hinton 2002): visible units v and hidden
/// units h, energy E(v, h) = −bᵀv − cᵀh − hᵀW v, P(hⱼ = 1 | v) = σ(cⱼ + Wⱼ v), P(vᵢ = 1 | h) = σ(bᵢ + (Wᵀh)ᵢ). Hidden
/// states are sampled as the stochastic neurons sample them, H(a + z) with standard logistic z (so P = σ(a)).
/// Trained by contrastive divergence CD-k: ΔW ∝ ⟨h vᵀ⟩data − ⟨h vᵀ⟩k-step reconstruction, with the practical choices of
/// Hinton's guide (2010): probabilities for the visible units and for the last hidden statistics, momentum, weight
/// decay. W is stored [hidden, visible] as a Dense layer's weight, so <see cref="TensorsAs"/> starts a classifier's
/// layer from it; RBMs stack (each trained on the hidden probabilities of the one below) as the course's
/// pre-training alternative to autoencoders. Runs on the CPU.
/// </summary>
public sealed class RestrictedBoltzmannMachine
{
    private readonly float[] _weights, _hiddenBias, _visibleBias;
    private readonly float[] _weightVelocity, _hiddenVelocity, _visibleVelocity;
    private float[] _h0 = [], _hk = [], _hSample = [], _vk = [], _weightGradient = [], _hiddenGradient = [], _scratch = [];
    private readonly uint _seed;
    private long _step;

    /// <summary>Weights from N(0, 0.01²) (Hinton's guide), biases 0.</summary>
    public RestrictedBoltzmannMachine(int visible, int hidden, int seed = 0)
    {
        if (visible < 1 || visible > 1 << 16) throw new ArgumentOutOfRangeException(nameof(visible), visible, "An RBM has 1 to 65,536 visible units.");
        if (hidden < 1 || hidden > 1 << 16) throw new ArgumentOutOfRangeException(nameof(hidden), hidden, "An RBM has 1 to 65,536 hidden units.");
        if ((long)visible * hidden > 1 << 26) throw new ArgumentException($"{hidden} × {visible} weights are more than 2²⁶.", nameof(hidden));
        Visible = visible;
        Hidden = hidden;
        _weights = new float[hidden * visible];
        _hiddenBias = new float[hidden];
        _visibleBias = new float[visible];
        _weightVelocity = new float[_weights.Length];
        _hiddenVelocity = new float[hidden];
        _visibleVelocity = new float[visible];
        _seed = CounterRandom.Seed(seed);
        Initializers.FillNormal(_weights, 0.01f, new SeededRandom(seed));
    }

    /// <summary>The number of visible units.</summary>
    public int Visible { get; }
    /// <summary>The number of hidden units.</summary>
    public int Hidden { get; }

    /// <summary>W, [hidden, visible] row-major.</summary>
    public Span<float> Weights => _weights;
    /// <summary>c, one per hidden unit.</summary>
    public Span<float> HiddenBias => _hiddenBias;
    /// <summary>b, one per visible unit.</summary>
    public Span<float> VisibleBias => _visibleBias;

    /// <summary>The Gibbs steps k of CD-k (1 by default).</summary>
    public int GibbsSteps { get => _gibbsSteps; set => _gibbsSteps = value is >= 1 and <= 1000 ? value : throw new ArgumentOutOfRangeException(nameof(GibbsSteps), value, "CD-k takes 1 to 1,000 Gibbs steps."); }
    private int _gibbsSteps = 1;

    /// <summary>The step size ε (0.1 by default, Hinton's guide for binary units).</summary>
    public float LearningRate { get => _learningRate; set => _learningRate = value > 0f && float.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(nameof(LearningRate), value, "The learning rate must be positive and finite."); }
    private float _learningRate = 0.1f;

    /// <summary>Momentum of the updates (0.5 by default).</summary>
    public float Momentum { get => _momentum; set => _momentum = value is >= 0f and < 1f ? value : throw new ArgumentOutOfRangeException(nameof(Momentum), value, "Momentum is in [0, 1)."); }
    private float _momentum = 0.5f;

    /// <summary>L2 weight decay on W (2·10⁻⁴ by default).</summary>
    public float WeightDecay { get => _weightDecay; set => _weightDecay = value >= 0f && float.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(nameof(WeightDecay), value, "Weight decay is 0 or more and finite."); }
    private float _weightDecay = 2e-4f;

    /// <summary>Updates taken so far (each draws fresh hidden samples).</summary>
    public long StepCount => _step;

    /// <summary>P(h = 1 | v) for a batch of visible vectors (values in [0, 1]).</summary>
    public void HiddenProbabilities(ReadOnlySpan<float> visible, Span<float> hidden, int batchSize)
    {
        CheckBatch(visible, batchSize, Visible, nameof(visible));
        Guard.Length(hidden.Length, batchSize * Hidden, nameof(hidden), $"{batchSize} rows of {Hidden} hidden units");
        HiddenUp(visible, hidden, batchSize);
    }

    /// <summary>P(v = 1 | h) for a batch of hidden vectors.</summary>
    public void VisibleProbabilities(ReadOnlySpan<float> hidden, Span<float> visible, int batchSize)
    {
        CheckBatch(hidden, batchSize, Hidden, nameof(hidden));
        Guard.Length(visible.Length, batchSize * Visible, nameof(visible), $"{batchSize} rows of {Visible} visible units");
        EnsureBuffers(batchSize);
        VisibleDown(hidden, visible, batchSize);
    }

    /// <summary>The mean squared difference between the data and its one-step reconstruction σ(b + Wᵀ P(h | v)).</summary>
    public float ReconstructionError(ReadOnlySpan<float> visible, int count)
    {
        CheckBatch(visible, count, Visible, nameof(visible), limit: int.MaxValue);
        return ReconstructionErrorOf(visible, count);
    }

    private float ReconstructionErrorOf(ReadOnlySpan<float> visible, int count)
    {
        double sum = 0;
        const int chunk = 256;
        var hidden = new float[Math.Min(chunk, count) * Hidden];
        var back = new float[Math.Min(chunk, count) * Visible];
        EnsureBuffers(Math.Min(chunk, count));
        for (int start = 0; start < count; start += chunk)
        {
            int n = Math.Min(chunk, count - start);
            var v = visible.Slice(start * Visible, n * Visible);
            HiddenUp(v, hidden.AsSpan(0, n * Hidden), n);
            VisibleDown(hidden.AsSpan(0, n * Hidden), back.AsSpan(0, n * Visible), n);
            for (int i = 0; i < n * Visible; i++) sum += (back[i] - v[i]) * (back[i] - v[i]);
        }
        return (float)(sum / ((double)count * Visible));
    }

    /// <summary>
    /// One CD-k update on a batch of visible vectors (values in [0, 1], used as probabilities); returns the batch's
    /// reconstruction error (mean squared, data against the k-step visible probabilities), from before the update.
    /// </summary>
    public float TrainStep(ReadOnlySpan<float> visible, int batchSize)
    {
        CheckBatch(visible, batchSize, Visible, nameof(visible));
        return TrainStepOf(visible, batchSize);
    }

    /// <summary>The CD-k update on a batch already checked (Fit checks its data once, not every batch and epoch).</summary>
    private float TrainStepOf(ReadOnlySpan<float> visible, int batchSize)
    {
        EnsureBuffers(batchSize);
        int nh = batchSize * Hidden, nv = batchSize * Visible;
        var h0 = _h0.AsSpan(0, nh);
        var hk = _hk.AsSpan(0, nh);
        var hSample = _hSample.AsSpan(0, nh);
        var vk = _vk.AsSpan(0, nv);

        // Positive phase, then k alternating Gibbs steps: sampled hidden states, visible probabilities.
        HiddenUp(visible, h0, batchSize);
        h0.CopyTo(hk);
        for (int step = 0; step < _gibbsSteps; step++)
        {
            uint stream = (uint)step;
            for (int i = 0; i < nh; i++)
            {
                // P(h = 1) = σ(a) ⇔ H(a + z), z standard logistic: a = logit(p).
                float p = hk[i];
                float a = MathF.Log(MathF.Max(p, 1e-30f)) - MathF.Log(MathF.Max(1f - p, 1e-30f));
                hSample[i] = a + CounterRandom.Logistic(_seed, CounterRandom.Step(_step), stream, (uint)i) >= 0f ? 1f : 0f;
            }
            VisibleDown(hSample, vk, batchSize);
            HiddenUp(vk, hk, batchSize);
        }

        double error = 0;
        for (int i = 0; i < nv; i++) error += (vk[i] - visible[i]) * (vk[i] - visible[i]);

        // Gradient of the log-likelihood, approximated: ⟨h vᵀ⟩₀ − ⟨h vᵀ⟩ₖ, averaged over the batch.
        var gradient = _weightGradient.AsSpan();
        var hiddenGradient = _hiddenGradient.AsSpan();
        gradient.Clear();
        hiddenGradient.Clear();
        DenseKernels.WeightGradient(h0, visible, gradient, hiddenGradient, batchSize, Visible, Hidden);
        for (int i = 0; i < nh; i++) hk[i] = -hk[i];
        DenseKernels.WeightGradient(hk, vk, gradient, hiddenGradient, batchSize, Visible, Hidden);
        float scale = _learningRate / batchSize;
        for (int i = 0; i < _weights.Length; i++)
        {
            _weightVelocity[i] = _momentum * _weightVelocity[i] + scale * gradient[i] - _learningRate * _weightDecay * _weights[i];
            _weights[i] += _weightVelocity[i];
        }
        for (int j = 0; j < Hidden; j++)
        {
            _hiddenVelocity[j] = _momentum * _hiddenVelocity[j] + scale * hiddenGradient[j];
            _hiddenBias[j] += _hiddenVelocity[j];
        }
        for (int i = 0; i < Visible; i++)
        {
            double sum = 0;
            for (int b = 0; b < batchSize; b++) sum += visible[b * Visible + i] - vk[b * Visible + i];
            _visibleVelocity[i] = _momentum * _visibleVelocity[i] + scale * (float)sum;
            _visibleBias[i] += _visibleVelocity[i];
        }
        _step++;
        return (float)(error / nv);
    }

    /// <summary>
    /// Trains for <paramref name="epochs"/> over <paramref name="data"/> (rows of <see cref="Visible"/> values in [0, 1])
    /// in shuffled batches; returns the reconstruction error after each epoch. <paramref name="progress"/> hears each.
    /// </summary>
    public float[] Fit(ReadOnlySpan<float> data, int count, int epochs, int batchSize = 64, int seed = 1, Action<int, float>? progress = null)
    {
        CheckBatch(data, count, Visible, nameof(data), limit: int.MaxValue);
        if (epochs < 1) throw new ArgumentOutOfRangeException(nameof(epochs), epochs, "Train for at least one epoch.");
        if (batchSize < 1 || batchSize > count) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, $"The batch size is 1 to the {count} samples.");
        var order = new int[count];
        for (int i = 0; i < count; i++) order[i] = i;
        var random = new SeededRandom(seed);
        var batch = new float[batchSize * Visible];
        var errors = new float[epochs];
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            random.Shuffle(order.AsSpan());
            for (int start = 0; start + batchSize <= count; start += batchSize)
            {
                for (int b = 0; b < batchSize; b++) data.Slice(order[start + b] * Visible, Visible).CopyTo(batch.AsSpan(b * Visible));
                TrainStepOf(batch, batchSize);
            }
            errors[epoch] = ReconstructionErrorOf(data, count);
            progress?.Invoke(epoch + 1, errors[epoch]);
        }
        return errors;
    }

    /// <summary>
    /// W and c as a Dense layer's tensors, <c>{layer}.weight</c> [hidden, visible] and <c>{layer}.bias</c> [hidden]: pass
    /// them to <see cref="SafeTensors.CopyMatching"/> with a classifier's <see cref="INetwork.Tensors"/> to start its
    /// layer of that name (logistic units, as the RBM's) from the RBM. They share this machine's storage.
    /// </summary>
    public IReadOnlyList<NamedTensor> TensorsAs(string layer)
    {
        ArgumentException.ThrowIfNullOrEmpty(layer);
        return new[]
        {
            new NamedTensor(layer + ".weight", new[] { Hidden, Visible }, _weights, 0),
            new NamedTensor(layer + ".bias", new[] { Hidden }, _hiddenBias, 0),
        };
    }

    /// <summary>Every parameter: weight [hidden, visible], hidden_bias, visible_bias (for SafeTensors.Save and Load).</summary>
    public IReadOnlyList<NamedTensor> Tensors => new[]
    {
        new NamedTensor("weight", new[] { Hidden, Visible }, _weights, 0),
        new NamedTensor("hidden_bias", new[] { Hidden }, _hiddenBias, 0),
        new NamedTensor("visible_bias", new[] { Visible }, _visibleBias, 0),
    };

    private void HiddenUp(ReadOnlySpan<float> visible, Span<float> hidden, int batch) =>
        DenseKernels.Forward(visible, _weights, _hiddenBias, hidden, batch, Visible, Hidden, new LogisticActivation(1f));

    private void VisibleDown(ReadOnlySpan<float> hidden, Span<float> visible, int batch)
    {
        // h W: the dense layer's input-gradient product, [batch, hidden] × [hidden, visible]; then b and σ.
        DenseKernels.InputGradient(hidden, _weights, _scratch.AsSpan(0, batch * Visible), visible, batch, Visible, Hidden, default(LinearActivation));
        DenseKernels.BiasActivation(visible, _visibleBias, Visible, new LogisticActivation(1f));
    }

    private void EnsureBuffers(int batch)
    {
        if (_h0.Length >= batch * Hidden) return;
        _h0 = new float[batch * Hidden];
        _hk = new float[batch * Hidden];
        _hSample = new float[batch * Hidden];
        _vk = new float[batch * Visible];
        _scratch = new float[batch * Visible];
        _weightGradient = new float[_weights.Length];
        _hiddenGradient = new float[Hidden];
    }

    private static void CheckBatch(ReadOnlySpan<float> values, int batch, int width, string name, int limit = 1 << 16)
    {
        if (batch < 1 || batch > limit) throw new ArgumentOutOfRangeException(nameof(batch), batch, $"The batch size is 1 to {limit}.");
        if ((long)batch * width != values.Length)
            throw new ArgumentException($"{name} has {values.Length} values; {batch} rows of {width} units need {(long)batch * width}.", name);
        for (int i = 0; i < values.Length; i++)
            if (!(values[i] >= 0f && values[i] <= 1f))
                throw new ArgumentException($"{name}[{i}] (row {i / width}, unit {i % width}) is {values[i]}; the units' values are probabilities in [0, 1].", name);
    }
}
