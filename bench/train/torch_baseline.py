#!/usr/bin/python3
"""The baseline of bench_train: the tutorial's four Keras models trained by
PyTorch on the CPU, with the data preparation and hyper-parameters that
`edgeml train` uses. Prints one JSON object on stdout.

Run with Debian's interpreter (/usr/bin/python3, package python3-torch).
"""

import argparse
import copy
import csv
import json
import math
import time

import torch

# The label transform, label = (event_time - offset) / scale, as bench_train
# passes it from src/protocol/label.h.
LABEL = {"offset": 0.0, "scale": 1.0}
COLUMNS = ("index", "event_time", "value", "valueThreshold", "isActive")

MODELS = (
    # name, features, hidden layer widths, Adam learning rate
    ("single_var_LR", ("index",), (), 0.1),
    ("multi_var_LR", ("index", "value", "valueThreshold"), (), 0.1),
    ("DNN_single_regression", ("index",), (64, 64), 0.001),
    ("DNN_multi_regression", ("index", "value", "valueThreshold"), (64, 64), 0.001),
)


def read_rows(path):
    """Rows as dicts of floats; rows with a missing or unparsable field are dropped."""
    rows = []
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise SystemExit(f"{path}: missing columns {missing}")
        for record in reader:
            try:
                row = {c: float(record[c]) for c in COLUMNS if c != "isActive"}
            except (TypeError, ValueError):
                continue
            if all(math.isfinite(v) for v in row.values()):
                rows.append(row)
    if not rows:
        raise SystemExit(f"{path}: no complete rows")
    return rows


def tensors(rows, features):
    x = torch.tensor([[r[c] for c in features] for r in rows], dtype=torch.float32)
    y = torch.tensor([[(r["event_time"] - LABEL["offset"]) / LABEL["scale"]] for r in rows], dtype=torch.float32)
    return x, y


class Normalization(torch.nn.Module):
    """Keras' Normalization layer: mean and population variance of the data it
    is adapted to, fixed afterwards; a constant column maps to 0."""

    def __init__(self, x):
        super().__init__()
        mean = x.mean(dim=0)
        std = x.var(dim=0, unbiased=False).sqrt().clamp_min(1e-7)  # Keras' epsilon
        self.register_buffer("mean", mean)
        self.register_buffer("std", std)

    def forward(self, x):
        return (x - self.mean) / self.std


def build(x_adapt, hidden):
    layers = [Normalization(x_adapt)]
    width = x_adapt.shape[1]
    for h in hidden:
        layers += [torch.nn.Linear(width, h), torch.nn.ReLU()]
        width = h
    layers.append(torch.nn.Linear(width, 1))
    for layer in layers:
        if isinstance(layer, torch.nn.Linear):  # Keras' defaults
            torch.nn.init.xavier_uniform_(layer.weight)
            torch.nn.init.zeros_(layer.bias)
    return torch.nn.Sequential(*layers)


def mae(model, x, y):
    with torch.no_grad():
        return float((model(x) - y).abs().mean())


def train_one(name, features, hidden, lr, train_rows, test_rows, epochs, batch, keep_best_epoch, momentum):
    x, y = tensors(train_rows, features)
    x_test, y_test = tensors(test_rows, features)
    # Keras' validation_split: the last rows, taken before any shuffling.
    n_fit = int(len(x) * 0.8)
    x_fit, y_fit, x_val, y_val = x[:n_fit], y[:n_fit], x[n_fit:], y[n_fit:]
    # The tutorial adapts the normaliser to all training rows, held-out ones included.
    model = build(x, hidden)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr, eps=1e-7)  # Keras' epsilon
    loss_fn = torch.nn.L1Loss()

    start = time.perf_counter()
    loss_history, val_history = [], []
    kept_epoch, kept_state = 0, None
    # As edgeml train: validate and keep the moving average of the weights.
    average = copy.deepcopy(model) if momentum > 0 else model
    for _ in range(epochs):
        order = torch.randperm(n_fit)
        total = 0.0
        for first in range(0, n_fit, batch):
            rows = order[first:first + batch]
            optimizer.zero_grad()
            loss = loss_fn(model(x_fit[rows]), y_fit[rows])
            loss.backward()
            optimizer.step()
            if momentum > 0:
                with torch.no_grad():
                    for kept, current in zip(average.parameters(), model.parameters()):
                        kept.mul_(momentum).add_(current, alpha=1 - momentum)
            total += float(loss) * len(rows)
        loss_history.append(total / n_fit)
        val_history.append(mae(average, x_val, y_val))
        # As edgeml train: keep the weights of the epoch with the lowest
        # validation MAE (Keras' restore_best_weights), unless told otherwise.
        if not keep_best_epoch or kept_epoch == 0 or val_history[-1] < val_history[kept_epoch - 1]:
            kept_epoch = len(val_history)
            if keep_best_epoch:
                kept_state = copy.deepcopy(average.state_dict())
    if keep_best_epoch:
        average.load_state_dict(kept_state)
    model = average
    seconds = time.perf_counter() - start

    with torch.no_grad():
        prediction = model(x_test)
    return {
        "name": name,
        "features": list(features),
        "train_mae": mae(model, x_fit, y_fit),
        "val_mae": mae(model, x_val, y_val),
        "kept_epoch": kept_epoch,
        "test_mae": mae(model, x_test, y_test),
        "training_seconds": seconds,
        "loss": loss_history,
        "val_loss": val_history,
        "test_index": x_test[:, 0].tolist(),
        "test_truth": y_test[:, 0].tolist(),
        "test_prediction": prediction[:, 0].tolist(),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", required=True)
    parser.add_argument("--test", required=True)
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--last-epoch", action="store_true",
                        help="keep the last epoch's weights, not the epoch with the lowest validation MAE")
    parser.add_argument("--weight-average", type=float, default=0.99,
                        help="momentum of the moving average of the weights; 0: the weights as they are")
    parser.add_argument("--output", help="write the JSON here instead of stdout")
    parser.add_argument("--label-offset", type=float, required=True)
    parser.add_argument("--label-scale", type=float, required=True)
    args = parser.parse_args()
    LABEL.update(offset=args.label_offset, scale=args.label_scale)

    wall_start = time.perf_counter()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    train_rows, test_rows = read_rows(args.train), read_rows(args.test)
    models = [train_one(*spec, train_rows, test_rows, args.epochs, args.batch, not args.last_epoch,
                        args.weight_average)
              for spec in MODELS]
    figures = json.dumps({
        "torch_version": torch.__version__,
        "threads": torch.get_num_threads(),
        "epochs": args.epochs,
        "seed": args.seed,
        "keep_best_epoch": not args.last_epoch,
        "weight_average_momentum": args.weight_average,
        "batch": args.batch,
        "train_rows": len(train_rows),
        "test_rows": len(test_rows),
        "models": models,
        "training_seconds": sum(m["training_seconds"] for m in models),
        "wall_seconds": time.perf_counter() - wall_start,
    })
    if args.output:
        with open(args.output, "w") as f:
            f.write(figures + "\n")
    else:
        print(figures)


if __name__ == "__main__":
    main()
