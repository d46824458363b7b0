#!/usr/bin/python3
"""The character model of samples/CharModel in PyTorch, for the comparison the sample prints.

    /usr/bin/python3 pytorch_char_model.py DATA_DIR EPOCHS

Same text, vocabulary (newline 0, printable ASCII 1-95), 90/10 split, 16 streams of truncated BPTT over 64 steps (the
state carried from chunk to chunk and detached, reset every epoch and before the held-out pass), the same layers
(nn.Embedding(96, 32), nn.LSTM(32, 128, batch_first=True), nn.Linear(128, 96)), Adam 0.003, gradient norm clipped at 5,
softmax cross-entropy averaged over every step. Prints the last epoch's held-out loss in nats per character.
"""
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

STEPS, VOCABULARY, STREAMS = 64, 96, 16


def token(c):
    return 0 if c == "\n" else (ord(c) - 31 if " " <= c <= "~" else ord("?") - 31)


def streams(tokens):
    per_stream = (len(tokens) - 1) // STREAMS
    chunks = per_stream // STEPS
    t = torch.tensor(tokens, dtype=torch.long)
    xs, ys = [], []
    for k in range(chunks):
        starts = [s * per_stream + k * STEPS for s in range(STREAMS)]
        xs.append(torch.stack([t[a:a + STEPS] for a in starts]))
        ys.append(torch.stack([t[a + 1:a + 1 + STEPS] for a in starts]))
    return xs, ys


class CharLstm(nn.Module):
    def __init__(self):
        super().__init__()
        self.Embed = nn.Embedding(VOCABULARY, 32)
        self.State = nn.LSTM(32, 128, batch_first=True)
        self.Next = nn.Linear(128, VOCABULARY)

    def forward(self, x, state):
        out, state = self.State(self.Embed(x), state)
        return self.Next(out), state


def run(directory, epochs):
    torch.manual_seed(1)
    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    text = open(os.path.join(directory, "GPL-3.txt")).read() + open(os.path.join(directory, "GPL-2.txt")).read()
    tokens = [token(c) for c in text]
    cut = len(tokens) * 9 // 10
    train, held = streams(tokens[:cut]), streams(tokens[cut:])
    model = CharLstm()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.003)
    start = time.time()
    held_loss = float("nan")
    for _ in range(epochs):
        state = None
        model.train()
        for x, y in zip(*train):
            logits, state = model(x, state)
            state = tuple(s.detach() for s in state)
            loss = F.cross_entropy(logits.reshape(-1, VOCABULARY), y.reshape(-1))
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            optimizer.step()
        with torch.no_grad():
            state, total, count = None, 0.0, 0
            for x, y in zip(*held):
                logits, state = model(x, state)
                total += float(F.cross_entropy(logits.reshape(-1, VOCABULARY), y.reshape(-1))) * y.numel()
                count += y.numel()
            held_loss = total / count
    print(f"held-out loss {held_loss:.3f} nats per character after {epochs} epochs, {time.time() - start:.1f} s "
          f"(PyTorch {torch.__version__}, {torch.get_num_threads()} threads)")


if __name__ == "__main__":
    run(sys.argv[1], int(sys.argv[2]))
