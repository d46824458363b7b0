#!/usr/bin/python3
"""Generate PyTorch reference trajectories for the Compiled.Nets optimizers.

Run from the repository root (the system Python has torch; a venv python3 may not):

    /usr/bin/python3 tests/scripts/make_optimizer_fixtures.py

Writes tests/Compiled.Nets.Runtime.Tests/Fixtures/optimizers.json.

Problem: 37 float32 parameters p (seeded), loss = sum(a p^2 + b p + c p^3 / 3) with fixed a, b, c, so
the gradient is g = 2 a p + b + c p^2. The gradient is set from that formula in float32, in the same
operation order as the C# test ((2 a) p + b) + (c p) p, so both sides feed the optimizers identical
gradients and any difference comes from the optimizer arithmetic alone. Each optimizer takes 5 steps
from p0; the parameters after each step are recorded.

Also records PyTorch's StepLR / ExponentialLR / CosineAnnealingLR rates after e calls to step().
"""
import json
import math
import os

import torch

STEPS = 5
SIZE = 37

# (id, torch class, settings as passed to torch)
OPTIMIZERS = [
    ("sgd", "SGD", {"lr": 0.1}),
    ("sgd_momentum", "SGD", {"lr": 0.1, "momentum": 0.9}),
    ("sgd_nesterov", "SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    ("adagrad", "Adagrad", {"lr": 0.1}),
    ("rmsprop", "RMSprop", {"lr": 0.01}),
    ("adadelta", "Adadelta", {"lr": 1.0}),
    ("adam", "Adam", {"lr": 0.01}),
]


def gradient(p, a, b, c):
    return 2 * a * p + b + c * p * p


def main():
    torch.manual_seed(1234)
    p0 = torch.randn(SIZE, dtype=torch.float32)
    a = torch.empty(SIZE).uniform_(0.5, 2.0)
    b = torch.empty(SIZE).uniform_(-1.0, 1.0)
    c = torch.empty(SIZE).uniform_(-0.5, 0.5)

    # Sanity: the explicit gradient is the derivative of the stated loss.
    p64 = p0.double().clone().requires_grad_(True)
    loss = (a.double() * p64 ** 2 + b.double() * p64 + c.double() * p64 ** 3 / 3).sum()
    loss.backward()
    assert torch.allclose(p64.grad, gradient(p0.double(), a.double(), b.double(), c.double()))

    cases = []
    for case_id, cls_name, settings in OPTIMIZERS:
        p = p0.clone().requires_grad_(True)
        opt = getattr(torch.optim, cls_name)([p], **settings)
        trajectory = []
        for _ in range(STEPS):
            opt.zero_grad()
            with torch.no_grad():
                p.grad = gradient(p.detach(), a, b, c)
            opt.step()
            trajectory.append(p.detach().clone().tolist())
        cases.append({"id": case_id, "torch": cls_name, "settings": settings, "trajectory": trajectory})

    schedules = []
    for name, make in [
        ("step_lr", lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=3, gamma=0.5)),
        ("exponential_lr", lambda o: torch.optim.lr_scheduler.ExponentialLR(o, gamma=0.9)),
        ("cosine_annealing_lr", lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=10, eta_min=0.001)),
    ]:
        opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
        scheduler = make(opt)
        rates = []
        for _ in range(11):  # epochs 0..10
            rates.append(opt.param_groups[0]["lr"])
            opt.step()
            scheduler.step()
        schedules.append({"id": name, "initial_rate": 0.1, "rates": rates})

    out = {
        "torch_version": torch.__version__,
        "steps": STEPS,
        "p0": p0.tolist(),
        "a": a.tolist(),
        "b": b.tolist(),
        "c": c.tolist(),
        "optimizers": cases,
        "schedules": schedules,
    }
    path = os.path.join(os.path.dirname(__file__), "..", "Compiled.Nets.Runtime.Tests", "Fixtures", "optimizers.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print("wrote", os.path.normpath(path))


if __name__ == "__main__":
    main()
