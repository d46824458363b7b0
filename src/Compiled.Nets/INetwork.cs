using System;
using System.Collections.Generic;
using Compiled.Nets.IO;
using Compiled.Nets.Optimizers;

namespace Compiled.Nets;

/// <summary>
/// What every generated network offers. <see cref="Forward"/> and <see cref="Predict"/> are thread-safe: concurrent calls
/// each use their own working memory and share the weights. Training, loading and parameter writes run one call at a
/// time and not alongside inference. Every method checks its arguments before it changes anything (docs/reliability.md).
/// </summary>
public interface INetwork : IDisposable
{
    /// <summary>Where the network runs now.</summary>
    Device Device { get; }

    /// <summary>
    /// Moves the network to a device and returns why that device was chosen ("CUDA: NVIDIA H100 …", or for
    /// <see cref="Device.Auto"/> without a GPU "CPU: libcuda.so.1 not found …"). Parameters move with it;
    /// the API is the same on both. <see cref="Device.Cuda"/> without a usable GPU throws <see cref="Cuda.CudaUnavailableException"/>.
    /// </summary>
    string UseDevice(Device device);

    /// <summary>Values in one input sample.</summary>
    int InputLength { get; }

    /// <summary>Values in one output sample.</summary>
    int OutputLength { get; }

    /// <summary>
    /// All parameters, per layer in declaration order: weight <c>[out, in]</c> row-major, then bias
    /// (PyTorch's <c>state_dict</c> order). Writes change the network.
    /// </summary>
    Span<float> Parameters { get; }

    /// <summary>The layers in declaration order.</summary>
    IReadOnlyList<Layer> Layers { get; }

    /// <summary>
    /// Every saved tensor with PyTorch's name and shape (<c>Hidden.weight</c> [out, in], <c>Hidden.bias</c>,
    /// <c>Norm.running_mean</c>, …), as views into the network: what <c>Save</c> and <c>Load</c> move.
    /// </summary>
    IReadOnlyList<NamedTensor> Tensors { get; }

    /// <summary>Computes one sample's output without allocating; thread-safe. NaN or ±∞ in the input is an <see cref="ArgumentException"/>.</summary>
    void Forward(ReadOnlySpan<float> input, Span<float> output);

    /// <summary>Computes the outputs of a batch: <c>inputs.Length / InputLength</c> samples, row after row, in chunks; thread-safe.</summary>
    void Predict(ReadOnlySpan<float> inputs, Span<float> outputs);

    /// <summary>Re-initialises every parameter from <paramref name="seed"/>; the same seed gives the same weights.</summary>
    void InitializeParameters(int seed);

    /// <summary>A Keras-style table: each layer's output shape and parameter count.</summary>
    string Summary();

    /// <summary>
    /// Writes the network as an ONNX model (opset 17) that computes what <see cref="Predict"/> does, with a symbolic batch
    /// dimension and the current weights (docs/onnx.md). The path is checked before anything is written, and the file is
    /// replaced whole or not at all.
    /// </summary>
    /// <exception cref="ArgumentException">The path is empty, invalid or a directory.</exception>
    /// <exception cref="System.IO.DirectoryNotFoundException">The path's directory does not exist.</exception>
    /// <exception cref="NotSupportedException">A layer has no ONNX form (a stateful recurrent layer, …); the message names it.</exception>
    void ExportOnnx(string path);
}

/// <summary>
/// A network with stateful recurrent layers (<c>Stateful = true</c>): each sample's last state after a call starts the same
/// sample of the next call, for truncated backpropagation through time over ordered chunks of a long sequence.
/// </summary>
public interface IStatefulNetwork
{
    /// <summary>Starts every stateful layer again from zero state.</summary>
    void ResetState();
}

/// <summary>A network trained by mini-batch gradient descent.</summary>
public interface ITrainableNetwork : INetwork
{
    /// <summary>The gradients of the last <see cref="ComputeGradients"/> or <see cref="TrainStep"/>, in the order of <see cref="INetwork.Parameters"/>.</summary>
    ReadOnlySpan<float> Gradients { get; }

    /// <summary>The update rule (SGD with the attribute's learning rate unless set); its state lives in its own arena.</summary>
    Optimizer Optimizer { get; set; }

    /// <summary>The optimizer's step size; must be positive and finite.</summary>
    float LearningRate { get; set; }

    /// <summary>Clips the gradient's global L2 norm to this value before each step; 0 (the default) turns clipping off.</summary>
    float MaxGradientNorm { get; set; }

    /// <summary>Number of training steps taken so far.</summary>
    long StepCount { get; }

    /// <summary>
    /// Whether training updates the network's parameters: true when every layer with parameters is trainable; setting it
    /// sets every layer's <see cref="Layer.Trainable"/> (Keras's <c>model.trainable = False</c>). Frozen layers keep their
    /// parameters and optimizer state; gradients still pass through them. On a GPU, a step with frozen layers is refused.
    /// </summary>
    bool Trainable { get; set; }

    /// <summary>
    /// The mean loss over a batch, including any L1/L2 penalty, without changing the parameters. With
    /// <paramref name="training"/> the network runs as in training (dropout masks of the current step, batch
    /// statistics, which also update BatchNorm's running averages); otherwise as at inference.
    /// </summary>
    float EvaluateLoss(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batchSize, bool training = false);

    /// <summary>
    /// Fills <see cref="Gradients"/> with the gradient of the batch's (optionally sample-weighted) mean loss,
    /// penalties included, and returns the loss; parameters are unchanged.
    /// </summary>
    float ComputeGradients(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batchSize, ReadOnlySpan<float> sampleWeights = default);

    /// <summary>
    /// One optimizer step on a batch (inputs and targets row after row); returns the batch's mean loss before the
    /// step. <paramref name="sampleWeights"/> (one per sample, e.g. class weights) makes the mean a weighted one.
    /// </summary>
    /// <exception cref="ArgumentException">A length, the batch size (at most the network's MaxBatchSize), NaN or ±∞ in the
    /// inputs or targets, a binary cross-entropy target outside [0, 1], or a sample weight is wrong; nothing changed.</exception>
    /// <exception cref="NonFiniteLossException">The loss is NaN or infinite; nothing changed.</exception>
    /// <exception cref="NonFiniteStatisticException">A BatchNorm running statistic would become NaN or infinite; nothing changed.</exception>
    /// <exception cref="NonFiniteGradientException">A gradient is NaN or infinite; nothing changed, <see cref="Gradients"/> included.</exception>
    float TrainStep(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batchSize, ReadOnlySpan<float> sampleWeights = default);
}

/// <summary>
/// A network that runs in part and composes with other networks: an autoencoder's encoder and decoder halves, a VAE's
/// decoder on samples from the prior, a GAN's generator trained through its discriminator. Every shape is still a
/// constant: the layer argument picks a split point the generator checked, and sizes are the layers' own
/// (<see cref="Layer.OutputSize"/>). Runs on the CPU (a network on a GPU copies its weights back for the partial runs and
/// refuses the training calls).
/// </summary>
public interface IComposableNetwork : ITrainableNetwork
{
    /// <summary>
    /// Runs samples from the input through <paramref name="layer"/> and writes its outputs (inference mode):
    /// <paramref name="outputs"/> holds <c>layer.OutputSize</c> values per sample; the sample count is
    /// <c>inputs.Length / InputLength</c>. The encoder half of an autoencoder.
    /// </summary>
    void ForwardTo(Layer layer, ReadOnlySpan<float> inputs, Span<float> outputs);

    /// <summary>
    /// Runs the layers after <paramref name="layer"/> on values given as its outputs (<c>layer.OutputSize</c> per sample) and
    /// writes the network's outputs (inference mode). The decoder half of an autoencoder. Refused for a layer that later
    /// layers bypass (a skip connection from before it).
    /// </summary>
    void ForwardFrom(Layer layer, ReadOnlySpan<float> values, Span<float> outputs);

    /// <summary>
    /// The training forward pass (dropout on, batch statistics, running averages updated) on a batch, keeping what
    /// <see cref="Backward"/> needs; writes the outputs.
    /// </summary>
    void ForwardTraining(ReadOnlySpan<float> inputs, Span<float> outputs, int batchSize);

    /// <summary>
    /// Backpropagates a gradient at the outputs of the last <see cref="ForwardTraining"/> (∂L/∂y, one value per output
    /// value) through the network: fills <see cref="ITrainableNetwork.Gradients"/> (adds to them with
    /// <paramref name="accumulate"/>) and writes ∂L/∂x into <paramref name="inputGradient"/> unless it is empty. The
    /// parameters do not change: <see cref="ApplyGradients"/> steps them.
    /// </summary>
    void Backward(ReadOnlySpan<float> outputGradient, Span<float> inputGradient = default, bool accumulate = false);

    /// <summary>
    /// The batch's loss against <paramref name="targets"/> and its gradient with respect to the inputs (a training forward
    /// pass), with the parameters and <see cref="ITrainableNetwork.Gradients"/> left as they were: a frozen discriminator's
    /// gradient that drives a generator's step.
    /// </summary>
    float InputGradient(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batchSize, Span<float> inputGradient);

    /// <summary>
    /// Adds the gradient of this batch's mean loss to <see cref="ITrainableNetwork.Gradients"/> (PyTorch's
    /// <c>loss.backward()</c> without <c>zero_grad()</c>) and returns the loss; the parameters do not change. A GAN's
    /// discriminator learns from a real batch and a fake batch kept apart, so that BatchNorm normalises each by its own
    /// statistics: <c>ComputeGradients(real, ones)</c>, <c>AddGradients(fake, zeros)</c>, <c>ApplyGradients()</c>.
    /// Penalties are not added again (ComputeGradients added them once).
    /// </summary>
    float AddGradients(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batchSize);

    /// <summary>One optimizer step with the current <see cref="ITrainableNetwork.Gradients"/> (clipped to MaxGradientNorm, frozen layers skipped), as TrainStep ends.</summary>
    void ApplyGradients();
}

/// <summary>A single-layer Heaviside or Sign network trained with the perceptron learning rule.</summary>
public interface IPerceptronNetwork : INetwork
{
    /// <summary>The step size η of the rule w ← w + η (y − ŷ) x.</summary>
    float LearningRate { get; set; }

    /// <summary>Applies the rule to one sample; returns the number of outputs that were wrong before the update.</summary>
    int PerceptronStep(ReadOnlySpan<float> input, ReadOnlySpan<float> target);

    /// <summary>
    /// Presents every sample once per epoch, in order, until an epoch makes no mistake (converged) or
    /// <paramref name="maxEpochs"/> have passed (not converged: e.g. XOR, which is not linearly separable).
    /// </summary>
    PerceptronResult TrainPerceptron(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int maxEpochs = 100);
}

/// <summary>The outcome of <see cref="IPerceptronNetwork.TrainPerceptron"/>.</summary>
/// <param name="Converged">Whether an epoch passed without a mistake.</param>
/// <param name="Epochs">Epochs run (the last one is the error-free epoch when converged).</param>
/// <param name="MistakesInLastEpoch">Wrong outputs in the last epoch (0 when converged).</param>
public readonly record struct PerceptronResult(bool Converged, int Epochs, int MistakesInLastEpoch)
{
    /// <summary>"converged after N epoch(s)" or "not converged after N epoch(s): M mistake(s) in the last epoch".</summary>
    public override string ToString() => Converged
        ? $"converged after {Epochs} epoch(s)"
        : $"not converged after {Epochs} epoch(s): {MistakesInLastEpoch} mistake(s) in the last epoch";
}
