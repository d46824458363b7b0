#!/usr/bin/python3
"""Golden fixtures for the recurrent layers (SimpleRnn, Lstm, Gru), from PyTorch's own nn.RNN, nn.LSTM and nn.GRU.

Run from anywhere:

    /usr/bin/python3 tests/scripts/make_recurrent_golden_fixtures.py
        Writes tests/Compiled.Nets.Tests/Fixtures/golden_recurrent.json (float64 golden cases) and
        recurrent_pytorch.safetensors + recurrent_pytorch.json (a PyTorch-initialised GoldenStackedLstm in float32,
        its inputs and outputs: the library loads PyTorch's file).

    /usr/bin/python3 tests/scripts/make_recurrent_golden_fixtures.py --check NAME PATH
        Loads a safetensors file written by Compiled.Nets into the module of case NAME with
        load_state_dict(strict=True) and prints {"outputs": [...]} for the interop inputs (recurrent_pytorch.json).

Conventions (as the library declares them; see tests/Compiled.Nets.Tests/RecurrentNetworks.cs):
  * Sequences are batch-first: x [B, T, F], flattened row-major (sample, step, feature). A recurrent layer's output is
    every step's h [B, T, H] (ReturnSequences = true) or the last step's h [B, H]; h and c start at zero.
  * A Dense layer on a sequence is nn.Linear on the last dimension; softmax is over the last dimension.
  * Parameters: the module's state_dict order, which is the declaration order, with nn.RNN/LSTM/GRU's names
    (weight_ih_l0 [G, I], weight_hh_l0 [G, H], bias_ih_l0 [G], bias_hh_l0 [G]; gates i, f, g, o and r, z, n).
    PyTorch has no peephole LSTM and no leaky RNN: the two reference modules below follow nn.LSTM/nn.RNN and add
      - PeepholeLstm (Gers, Schraudolph & Schmidhuber; ONNX's P): i = σ(W_ii x + b_ii + W_hi h + b_hi + p_i ⊙ c_{t−1}),
        f likewise with p_f ⊙ c_{t−1}, c_t = f ⊙ c_{t−1} + i ⊙ g, o = σ(… + p_o ⊙ c_t), h = o ⊙ tanh(c_t);
        weight_peephole_l0 [3H] = [p_i, p_f, p_o], registered after weight_hh_l0;
      - LeakyRnn: h_t = (1 − α) h_{t−1} + α tanh(W_ih x + b_ih + W_hh h_{t−1} + b_hh).
  * Losses: mse = F.mse_loss (mean over every element); ce = mean over the batch of −Σ t log softmax;
    bce = F.binary_cross_entropy on the logistic output (mean over every element).
  * Golden values in float64: every parameter uniform(−0.5, 0.5) in state_dict order, then the inputs randn, then
    the targets (mse: randn; ce: one-hot of a uniform class; bce: uniform [0, 1)), seeded 9000 + case index; a draw in
    which a ReLU recurrence has a pre-activation within 1e-3 of 0 is redrawn. "gradients" = dloss/dparameters,
    "parameters_after_sgd" = parameters − 0.1 · gradients. The script checks every gradient with
    torch.autograd.gradcheck before writing.
  * "truncated" (TbpttLstm, TbpttGru: stateful layers): three chunks of a long sequence, each an SGD step (lr 0.1) on
    its loss, the recurrent state carried from chunk to chunk and detached (truncated BPTT): "losses" per chunk and
    "parameters_after" the three steps.
"""
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from make_safetensors_fixtures import read_safetensors, write_safetensors  # noqa: E402

FIXTURES = os.path.join(HERE, "..", "Compiled.Nets.Tests", "Fixtures")
LEARNING_RATE = 0.1

# (name, (steps, features), [(layer, kind, options)], loss, batch)
CASES = [
    ("GoldenRnnTanh", (5, 3), [("Rnn", "rnn", dict(hidden=4)), ("Output", "dense", dict(units=2))], "mse", 3),
    ("GoldenRnnReluSequence", (4, 2), [("Rnn", "rnn", dict(hidden=5, nonlinearity="relu", seq=True)), ("Output", "dense", dict(units=3))], "mse", 3),
    ("GoldenRnnLeaky", (6, 2), [("Rnn", "rnn", dict(hidden=3, leak=0.3)), ("Output", "dense", dict(units=1))], "mse", 4),
    ("GoldenLstm", (5, 3), [("Lstm", "lstm", dict(hidden=4)), ("Output", "dense", dict(units=3, act="softmax"))], "ce", 4),
    ("GoldenLstmPeephole", (4, 2), [("Lstm", "lstm", dict(hidden=3, peephole=True, seq=True)), ("Output", "dense", dict(units=2))], "mse", 3),
    ("GoldenGru", (5, 3), [("Gru", "gru", dict(hidden=4)), ("Output", "dense", dict(units=2, act="logistic"))], "bce", 3),
    ("GoldenStackedLstm", (4, 3), [("Projection", "dense", dict(units=4, act="tanh")), ("Lower", "lstm", dict(hidden=5, seq=True)),
                                   ("Upper", "lstm", dict(hidden=3)), ("Output", "dense", dict(units=2))], "mse", 3),
    ("GoldenStackedGruSequence", (3, 2), [("Lower", "lstm", dict(hidden=4, seq=True)), ("Upper", "gru", dict(hidden=3, seq=True)),
                                          ("Output", "dense", dict(units=2, act="tanh"))], "mse", 2),
    # Token models: (steps, "tokens", vocabulary); per-step softmax cross-entropy, the mean over every step of every sample.
    ("GoldenEmbeddingLstm", (5, "tokens", 7), [("Embed", "embedding", dict(vocabulary=7, dimensions=3)), ("Lstm", "lstm", dict(hidden=4, seq=True)),
                                               ("Next", "dense", dict(units=7, act="softmax"))], "ce", 3),
    # Initial states given by another layer (an encoder's summary), the gradient flowing back into it.
    ("GoldenInitialStateLstm", (4, 3), [("Encoder", "lstm", dict(hidden=4)), ("Context", "dense", dict(units=8, act="tanh")),
                                        ("Decoder", "lstm", dict(hidden=4, seq=True, input="input", initial="Context")),
                                        ("Output", "dense", dict(units=2))], "mse", 3),
    ("GoldenInitialStateGru", (3, 2), [("Encoder", "gru", dict(hidden=3)), ("Start", "dense", dict(units=3, act="tanh")),
                                       ("Decoder", "gru", dict(hidden=3, input="input", initial="Start")), ("Output", "dense", dict(units=1))], "mse", 3),
    ("GoldenEmbeddingGruLogits", (4, "tokens", 6), [("Embed", "embedding", dict(vocabulary=6, dimensions=3)), ("Gru", "gru", dict(hidden=3, seq=True)),
                                                    ("Next", "dense", dict(units=6))], "ce_logits", 2),
]


class LeakyRnn(nn.Module):
    """nn.RNN's parameters and tanh, with the leak α: h ← (1 − α) h + α tanh(…)."""

    def __init__(self, inputs, hidden, leak):
        super().__init__()
        self.hidden, self.leak = hidden, leak
        self.weight_ih_l0 = nn.Parameter(torch.empty(hidden, inputs))
        self.weight_hh_l0 = nn.Parameter(torch.empty(hidden, hidden))
        self.bias_ih_l0 = nn.Parameter(torch.empty(hidden))
        self.bias_hh_l0 = nn.Parameter(torch.empty(hidden))

    def forward(self, x):
        h = x.new_zeros(x.shape[0], self.hidden)
        states = []
        for t in range(x.shape[1]):
            a = torch.tanh(x[:, t] @ self.weight_ih_l0.t() + self.bias_ih_l0 + h @ self.weight_hh_l0.t() + self.bias_hh_l0)
            h = (1 - self.leak) * h + self.leak * a
            states.append(h)
        return torch.stack(states, dim=1), h


class PeepholeLstm(nn.Module):
    """nn.LSTM's parameters and gate order plus the diagonal peepholes [p_i, p_f, p_o] (Gers et al.; ONNX's P)."""

    def __init__(self, inputs, hidden):
        super().__init__()
        self.hidden = hidden
        self.weight_ih_l0 = nn.Parameter(torch.empty(4 * hidden, inputs))
        self.weight_hh_l0 = nn.Parameter(torch.empty(4 * hidden, hidden))
        self.weight_peephole_l0 = nn.Parameter(torch.empty(3 * hidden))
        self.bias_ih_l0 = nn.Parameter(torch.empty(4 * hidden))
        self.bias_hh_l0 = nn.Parameter(torch.empty(4 * hidden))

    def forward(self, x):
        H = self.hidden
        h = x.new_zeros(x.shape[0], H)
        c = x.new_zeros(x.shape[0], H)
        p_i, p_f, p_o = self.weight_peephole_l0[:H], self.weight_peephole_l0[H:2 * H], self.weight_peephole_l0[2 * H:]
        states = []
        for t in range(x.shape[1]):
            z = x[:, t] @ self.weight_ih_l0.t() + self.bias_ih_l0 + h @ self.weight_hh_l0.t() + self.bias_hh_l0
            i = torch.sigmoid(z[:, :H] + p_i * c)
            f = torch.sigmoid(z[:, H:2 * H] + p_f * c)
            g = torch.tanh(z[:, 2 * H:3 * H])
            c = f * c + i * g
            o = torch.sigmoid(z[:, 3 * H:] + p_o * c)
            h = o * torch.tanh(c)
            states.append(h)
        return torch.stack(states, dim=1), (h, c)


class Net(nn.Module):
    """A case's network: submodules named as the library's layers, registered in declaration order."""

    def __init__(self, features, layers):
        super().__init__()
        self.plan = []
        width = features
        widths = {"input": features}
        for lname, kind, o in layers:
            if "input" in o:
                width = widths[o["input"]]
            if kind == "embedding":
                module = nn.Embedding(o["vocabulary"], o["dimensions"])
                width = o["dimensions"]
            elif kind == "dense":
                module = nn.Linear(width, o["units"])
                width = o["units"]
            elif kind == "rnn" and o.get("leak", 1.0) != 1.0:
                module = LeakyRnn(width, o["hidden"], o["leak"])
                width = o["hidden"]
            elif kind == "rnn":
                module = nn.RNN(width, o["hidden"], nonlinearity=o.get("nonlinearity", "tanh"), batch_first=True)
                width = o["hidden"]
            elif kind == "lstm" and o.get("peephole"):
                module = PeepholeLstm(width, o["hidden"])
                width = o["hidden"]
            elif kind == "lstm":
                module = nn.LSTM(width, o["hidden"], batch_first=True)
                width = o["hidden"]
            else:
                module = nn.GRU(width, o["hidden"], batch_first=True)
                width = o["hidden"]
            setattr(self, lname, module)
            self.plan.append((lname, kind, o))
            widths[lname] = width
        self.relu_pre = []

    def forward(self, x):
        self.relu_pre = []
        outputs = {"input": x}
        for lname, kind, o in self.plan:
            x = self.step(lname, kind, o, outputs[o["input"]] if "input" in o else x, outputs)
            outputs[lname] = x
        return x

    def step(self, lname, kind, o, x, outputs):
        """One layer; o["input"] names the layer it reads ("input": the network's), o["initial"] the layer whose output is
        its initial state (h_0, or h_0 and c_0 side by side for an LSTM when it is 2H wide)."""
        if True:
            module = getattr(self, lname)
            if kind == "embedding":
                return module(x.long())
            if kind == "dense":
                x = module(x)
                act = o.get("act", "linear")
                return {"linear": lambda v: v, "tanh": torch.tanh, "logistic": torch.sigmoid,
                        "softmax": lambda v: torch.softmax(v, dim=-1)}[act](x)
            if "initial" in o:
                given, hidden = outputs[o["initial"]], o["hidden"]
                h0 = given[:, :hidden].unsqueeze(0).contiguous()
                if kind == "lstm":
                    c0 = given[:, hidden:].unsqueeze(0).contiguous() if given.shape[1] == 2 * hidden else torch.zeros_like(h0)
                    out, _ = module(x, (h0, c0))
                else:
                    out, _ = module(x, h0)
            else:
                out, _ = module(x)
            if kind == "rnn" and o.get("nonlinearity") == "relu":
                # Recompute the pre-activations from the states, to keep every value away from the kink.
                h_prev = torch.cat([out.new_zeros(out.shape[0], 1, out.shape[2]), out[:, :-1]], dim=1)
                self.relu_pre.append(x @ module.weight_ih_l0.t() + module.bias_ih_l0 + h_prev @ module.weight_hh_l0.t() + module.bias_hh_l0)
            return out if o.get("seq") else out[:, -1]


def loss_of(y, t, kind):
    if kind == "mse":
        return F.mse_loss(y, t)
    if kind == "ce":
        return -(t * torch.log(y)).sum(dim=-1).mean()
    if kind == "ce_logits":
        return -(t * torch.log_softmax(y, dim=-1)).sum(dim=-1).mean()
    return F.binary_cross_entropy(y, t)


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def set_flat(net, values):
    at = 0
    with torch.no_grad():
        for p in net.state_dict(keep_vars=True).values():
            p.copy_(values[at:at + p.numel()].reshape(p.shape))
            at += p.numel()


def build_case(index, spec):
    name, shape, layers, loss_kind, batch = spec
    tokens = len(shape) == 3
    steps, features = shape[0], (None if tokens else shape[1])
    torch.manual_seed(9000 + index)
    net = Net(features, layers).double()
    count = sum(p.numel() for p in net.state_dict().values())
    for draws in range(1, 1001):
        params = torch.empty(count, dtype=torch.float64).uniform_(-0.5, 0.5)
        x = torch.randint(0, shape[2], (batch, steps)).double() if tokens else torch.randn(batch, steps, features, dtype=torch.float64)
        set_flat(net, params)
        with torch.no_grad():
            y = net(x)
        if all(bool((z.abs() >= 1e-3).all()) for z in net.relu_pre):
            break
    else:
        raise RuntimeError(f"{name}: no draw without ReLU kinks")
    if loss_kind == "mse":
        t = torch.randn(y.shape, dtype=torch.float64)
    elif loss_kind in ("ce", "ce_logits"):
        t = F.one_hot(torch.randint(0, y.shape[-1], y.shape[:-1]), y.shape[-1]).double()
    else:
        t = torch.rand(y.shape, dtype=torch.float64)

    net.zero_grad()
    loss = loss_of(net(x), t, loss_kind)
    loss.backward()
    grads = torch.cat([p.grad.reshape(-1) for p in net.state_dict(keep_vars=True).values()])

    def loss_from(flat_params):
        at, replaced = 0, {}
        for key, p in net.state_dict(keep_vars=True).items():
            replaced[key] = flat_params[at:at + p.numel()].reshape(p.shape)
            at += p.numel()
        return loss_of(torch.nn.utils.stateless.functional_call(net, replaced, (x,)), t, loss_kind)

    assert torch.autograd.gradcheck(loss_from, (params.clone().requires_grad_(True),), eps=1e-6, atol=1e-8, rtol=1e-6), name
    with torch.no_grad():
        outputs = net(x)
    return {
        "name": name,
        "batch": batch,
        "draws": draws,
        "tensors": [{"name": k, "shape": list(v.shape)} for k, v in net.state_dict().items()],
        "parameters": flat(params),
        "inputs": flat(x),
        "targets": flat(t),
        "outputs": flat(outputs),
        "loss": float(loss),
        "gradients": flat(grads),
        "learning_rate": LEARNING_RATE,
        "parameters_after_sgd": flat(params - LEARNING_RATE * grads),
    }


# Truncated BPTT: (name, (steps per chunk, features), [layers], loss, batch, chunks). A stateful layer starts each chunk
# from the last state of the chunk before, detached (no gradient crosses the boundary): PyTorch's
# out, state = rnn(x_k, state); loss.backward(); sgd step; state = state.detach().
TRUNCATED = [
    ("TbpttLstm", (4, 2), [("Lstm", "lstm", dict(hidden=3, seq=True)), ("Output", "dense", dict(units=2))], "mse", 3, 3),
    ("TbpttGru", (4, 2), [("Gru", "gru", dict(hidden=3)), ("Output", "dense", dict(units=1))], "mse", 3, 3),
]


def forward_from(net, x, state):
    """The case network with its (one) recurrent layer started from state; returns (outputs, last state detached)."""
    for lname, kind, o in net.plan:
        module = getattr(net, lname)
        if kind == "dense":
            x = module(x)
            continue
        out, last = module(x, state)
        x = out if o.get("seq") else out[:, -1]
        state = tuple(v.detach() for v in last) if isinstance(last, tuple) else last.detach()
    return x, state


def build_truncated(index, spec):
    name, (steps, features), layers, loss_kind, batch, chunks = spec
    torch.manual_seed(9500 + index)
    net = Net(features, layers).double()
    count = sum(p.numel() for p in net.state_dict().values())
    params = torch.empty(count, dtype=torch.float64).uniform_(-0.5, 0.5)
    set_flat(net, params)
    xs = [torch.randn(batch, steps, features, dtype=torch.float64) for _ in range(chunks)]
    with torch.no_grad():
        shapes = [net(x).shape for x in xs]
    ts = [torch.randn(shape, dtype=torch.float64) for shape in shapes]
    state, losses = None, []
    for x, t in zip(xs, ts):
        net.zero_grad()
        y, state = forward_from(net, x, state)
        loss = loss_of(y, t, loss_kind)
        loss.backward()
        with torch.no_grad():
            for p in net.parameters():
                p -= LEARNING_RATE * p.grad
        losses.append(float(loss))
    after = torch.cat([p.detach().reshape(-1) for p in net.state_dict(keep_vars=True).values()])
    return {"name": name, "batch": batch, "parameters": flat(params), "inputs": [flat(x) for x in xs], "targets": [flat(t) for t in ts],
            "learning_rate": LEARNING_RATE, "losses": losses, "parameters_after": flat(after)}


INTEROP = "GoldenStackedLstm"


def interop_module(name):
    index = [c[0] for c in CASES].index(name)
    _, (steps, features), layers, _, _ = CASES[index]
    return Net(features, layers), steps, features


def make():
    cases = [build_case(i, spec) for i, spec in enumerate(CASES)]
    os.makedirs(FIXTURES, exist_ok=True)
    with open(os.path.join(FIXTURES, "golden_recurrent.json"), "w") as f:
        json.dump({"description": __doc__.split("\n\n")[0], "cases": cases,
                   "truncated": [build_truncated(i, spec) for i, spec in enumerate(TRUNCATED)]}, f, indent=1)
        f.write("\n")

    # PyTorch's own initialisation, in float32: the library loads this file and must give the same outputs.
    torch.manual_seed(9100)
    module, steps, features = interop_module(INTEROP)
    inputs = torch.randn(4, steps, features)
    state = {k: v.detach().numpy() for k, v in module.state_dict().items()}
    write_safetensors(state, os.path.join(FIXTURES, "recurrent_pytorch.safetensors"),
                      metadata={"format": "pt", "producer": "make_recurrent_golden_fixtures.py"})
    with torch.no_grad():
        outputs = module(inputs)
    with open(os.path.join(FIXTURES, "recurrent_pytorch.json"), "w") as f:
        json.dump({"network": INTEROP, "inputs": flat(inputs), "outputs": flat(outputs)}, f, indent=1)
        f.write("\n")
    print(f"wrote {len(cases)} cases and the {INTEROP} interop file to {os.path.relpath(FIXTURES)}")


def check(name, path):
    with open(os.path.join(FIXTURES, "recurrent_pytorch.json")) as f:
        inputs = json.load(f)["inputs"]
    module, steps, features = interop_module(name)
    state = {k: torch.from_numpy(v) for k, v in read_safetensors(path).items()}
    module.load_state_dict(state, strict=True)  # refuses missing, unexpected or mis-shaped tensors
    x = torch.tensor(inputs, dtype=torch.float32).reshape(-1, steps, features)
    with torch.no_grad():
        print(json.dumps({"outputs": flat(module(x))}))


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--check":
        check(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 1:
        make()
    else:
        sys.exit(__doc__)
