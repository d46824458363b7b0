using BenchmarkDotNet.Attributes;
using TorchSharp;
using static TorchSharp.torch;

namespace Compiled.Nets.Benchmarks.TorchSharp;

/// <summary>
/// LibTorch 2.10 (through TorchSharp 0.107) on the models of ReferenceComparison and CnnComparison, float32, CPU,
/// eager. Method names match theirs so that tests/benchmarks/compare.py pairs them; <see cref="Threads"/> is
/// <c>torch.set_num_threads</c> and compare.py keeps the faster setting per method.
/// </summary>
/// <remarks>
/// Written as a LibTorch user would write it for speed: each call inside a dispose scope (the intermediate tensors
/// are freed on return instead of by the finaliser), inference models with frozen parameters (no autograd graph is
/// recorded), inputs and targets made once. Training steps: <c>zero_grad</c>, forward, loss, <c>backward</c>,
/// optimizer <c>step</c>, with the learning rates of the Compiled.Nets networks (XOR 0.5, MLP and LeNet-5 0.01,
/// Adam 1e-3).
/// </remarks>
[MemoryDiagnoser]
public class LibTorchAnchors
{
    [Params(1, 2)] public int Threads { get; set; }

    private nn.Module<Tensor, Tensor> _xor = null!, _xorTrain = null!, _mlp = null!, _mlpSgd = null!, _mlpAdam = null!;
    private nn.Module<Tensor, Tensor> _lenet = null!, _lenetTrain = null!;
    private optim.Optimizer _xorSgd = null!, _mlpSgdOpt = null!, _mlpAdamOpt = null!, _lenetSgd = null!;
    private nn.Module<Tensor, Tensor, Tensor> _bce = null!, _ce = null!;
    private Tensor _xorInput = null!, _xorInputs = null!, _xorTargets = null!, _image = null!, _images = null!, _labels = null!;
    private Tensor _planes = null!, _lenetLabels = null!;
    private SeqLstm _seqLstm = null!, _seqLstmTrain = null!;
    private CharLstm _chars = null!;
    private optim.Optimizer _seqLstmSgd = null!, _charsAdam = null!;
    private Tensor _rows = null!, _oneImage = null!, _digits = null!, _charIds = null!, _nextChars = null!;

    /// <summary>
    /// nn.LSTM(batch_first) and a linear head on the last step (<paramref name="lastOnly"/>, the sequential-MNIST network) or on
    /// every step; <paramref name="softmax"/> adds one at inference.
    /// </summary>
    private sealed class SeqLstm : nn.Module<Tensor, Tensor>
    {
        private readonly global::TorchSharp.Modules.LSTM lstm;
        private readonly global::TorchSharp.Modules.Linear head;
        private readonly bool _lastOnly, _softmax;

        public SeqLstm(long features, long hidden, long classes, bool lastOnly, bool softmax) : base(nameof(SeqLstm))
        {
            lstm = nn.LSTM(features, hidden, batchFirst: true);
            head = nn.Linear(hidden, classes);
            _lastOnly = lastOnly;
            _softmax = softmax;
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            var (output, _, _) = lstm.forward(x);
            var y = head.forward(_lastOnly ? output.select(1, -1) : output);
            return _softmax ? nn.functional.softmax(y, -1) : y;
        }
    }

    /// <summary>
    /// The character model of samples/CharModel: nn.Embedding(96, 32), nn.LSTM(32, 128, batch_first) whose (h, c) carries from
    /// one step to the next, detached (truncated backpropagation through time, as our Stateful layer), nn.Linear(128, 96) on
    /// every step, into the logits.
    /// </summary>
    private sealed class CharLstm : nn.Module<Tensor, Tensor>
    {
        private readonly global::TorchSharp.Modules.Embedding embed;
        private readonly global::TorchSharp.Modules.LSTM lstm;
        private readonly global::TorchSharp.Modules.Linear head;
        private Tensor? _h, _c;

        public CharLstm() : base(nameof(CharLstm))
        {
            embed = nn.Embedding(96, 32);
            lstm = nn.LSTM(32, 128, batchFirst: true);
            head = nn.Linear(128, 96);
            RegisterComponents();
        }

        public override Tensor forward(Tensor ids)
        {
            var (output, h, c) = _h is null ? lstm.forward(embed.forward(ids)) : lstm.forward(embed.forward(ids), (_h, _c!));
            // The state outlives the step's dispose scope; the one it replaces is freed.
            _h?.Dispose();
            _c?.Dispose();
            _h = h.detach().MoveToOuterDisposeScope();
            _c = c.detach().MoveToOuterDisposeScope();
            return head.forward(output);
        }
    }

    /// <summary>2-4-1, tanh then logistic.</summary>
    private static nn.Module<Tensor, Tensor> Xor() => nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 1), nn.Sigmoid());

    /// <summary>784-128-64-10, ReLU; the softmax only at inference (training feeds logits to cross-entropy, as ours does).</summary>
    private static nn.Module<Tensor, Tensor> Mlp(bool softmax) => softmax
        ? nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10), nn.Softmax(1))
        : nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10));

    /// <summary>LeNet-5 as CnnComparison's: conv 5×5×6 pad 2, max pool 2, conv 5×5×16, max pool 2, 120, 84, 10, ReLU, logits.</summary>
    private static nn.Module<Tensor, Tensor> LeNet5() => nn.Sequential(
        nn.Conv2d(1, 6, 5, padding: 2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10));

    private static nn.Module<Tensor, Tensor> Frozen(nn.Module<Tensor, Tensor> model)
    {
        model.eval();
        foreach (var p in model.parameters()) p.requires_grad = false;
        return model;
    }

    [GlobalSetup]
    public void Setup()
    {
        torch.set_num_threads(Threads);
        torch.manual_seed(0);
        _xor = Frozen(Xor());
        _xorTrain = Xor();
        _mlp = Frozen(Mlp(softmax: true));
        _mlpSgd = Mlp(softmax: false);
        _mlpAdam = Mlp(softmax: false);
        _lenet = Frozen(LeNet5());
        _lenetTrain = LeNet5();
        _xorSgd = optim.SGD(_xorTrain.parameters(), 0.5);
        _mlpSgdOpt = optim.SGD(_mlpSgd.parameters(), 0.01);
        _mlpAdamOpt = optim.Adam(_mlpAdam.parameters(), 1e-3);
        _lenetSgd = optim.SGD(_lenetTrain.parameters(), 0.01);
        _bce = nn.BCELoss();
        _ce = nn.CrossEntropyLoss();
        _xorInput = tensor(new float[] { 1f, 0f }).reshape(1, 2);
        _xorInputs = tensor(new float[] { 0, 0, 0, 1, 1, 0, 1, 1 }).reshape(4, 2);
        _xorTargets = tensor(new float[] { 0, 1, 1, 0 }).reshape(4, 1);
        _image = rand(1, 784);
        _images = rand(64, 784);
        _labels = randint(10, new long[] { 64 });
        _planes = rand(64, 1, 28, 28) - 0.5;
        _lenetLabels = randint(10, new long[] { 64 });
        _seqLstm = new SeqLstm(28, 128, 10, lastOnly: true, softmax: true);
        _seqLstm.eval();
        foreach (var p in _seqLstm.parameters()) p.requires_grad = false;
        _seqLstmTrain = new SeqLstm(28, 128, 10, lastOnly: true, softmax: false);
        _chars = new CharLstm();
        _seqLstmSgd = optim.SGD(_seqLstmTrain.parameters(), 0.01);
        _charsAdam = optim.Adam(_chars.parameters(), 0.003);
        _rows = rand(64, 28, 28);
        _oneImage = rand(1, 28, 28);
        _digits = randint(10, new long[] { 64 });
        _charIds = randint(96, new long[] { 16, 64 });
        _nextChars = randint(96, new long[] { 16 * 64 });
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var d in new System.IDisposable[] { _xor, _xorTrain, _mlp, _mlpSgd, _mlpAdam, _lenet, _lenetTrain, _xorInput, _xorInputs, _xorTargets, _image, _images, _labels, _planes, _lenetLabels,
                     _seqLstm, _seqLstmTrain, _chars, _rows, _oneImage, _digits, _charIds, _nextChars })
            d.Dispose();
    }

    /// <summary>One sample through a frozen model; the first output read back as the forward's result.</summary>
    private static float Infer(nn.Module<Tensor, Tensor> model, Tensor input)
    {
        using var scope = NewDisposeScope();
        return model.forward(input).data<float>()[0];
    }

    private static float Step(nn.Module<Tensor, Tensor> model, nn.Module<Tensor, Tensor, Tensor> loss, optim.Optimizer optimizer, Tensor inputs, Tensor targets)
    {
        using var scope = NewDisposeScope();
        optimizer.zero_grad();
        var value = loss.forward(model.forward(inputs), targets);
        value.backward();
        optimizer.step();
        return value.item<float>();
    }

    [Benchmark(Description = "Forward, batch 1, XOR 2-4-1")]
    public float ForwardXor() => Infer(_xor, _xorInput);

    [Benchmark(Description = "Forward, batch 1, MLP 784-128-64-10")]
    public float ForwardMlp() => Infer(_mlp, _image);

    [Benchmark(Description = "Train step, XOR, full batch of 4")]
    public float TrainXor() => Step(_xorTrain, _bce, _xorSgd, _xorInputs, _xorTargets);

    [Benchmark(Description = "Train step, MLP, batch 64")]
    public float TrainMlpBatch64() => Step(_mlpSgd, _ce, _mlpSgdOpt, _images, _labels);

    [Benchmark(Description = "Train step, MLP, batch 64, Adam")]
    public float TrainMlpBatch64Adam() => Step(_mlpAdam, _ce, _mlpAdamOpt, _images, _labels);

    [Benchmark(Description = "Train step, LeNet-5, batch 64, SGD")]
    public float TrainLeNet5Batch64() => Step(_lenetTrain, _ce, _lenetSgd, _planes, _lenetLabels);

    [Benchmark(Description = "Inference, batch 64, MLP 784-128-64-10")]
    public float PredictMlpBatch64() => Infer(_mlp, _images);

    [Benchmark(Description = "Inference, batch 64, LeNet-5")]
    public float PredictLeNet5Batch64() => Infer(_lenet, _planes);

    [Benchmark(Description = "Train step, LSTM 128 on 28×28 sequential MNIST, batch 64, SGD")]
    public float TrainLstmBatch64() => Step(_seqLstmTrain, _ce, _seqLstmSgd, _rows, _digits);

    [Benchmark(Description = "Forward, batch 1, LSTM 128 on 28×28 sequential MNIST")]
    public float ForwardLstm() => Infer(_seqLstm, _oneImage);

    /// <summary>The character model's step: 16 streams × 64 token ids, the per-step cross-entropy averaged over batch × steps, Adam 3e-3.</summary>
    [Benchmark(Description = "Train step, character model (Embedding 96×32 → stateful LSTM 128 → per-step softmax 96), 16 streams × 64 steps, Adam")]
    public float TrainCharLstmBatch16()
    {
        using var scope = NewDisposeScope();
        _charsAdam.zero_grad();
        var value = _ce.forward(_chars.forward(_charIds).reshape(-1, 96), _nextChars);
        value.backward();
        _charsAdam.step();
        return value.item<float>();
    }
}
