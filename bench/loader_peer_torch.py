#!/usr/bin/env python3
"""Peer of bench/loader_bench.cpp: the same augmentation (pad 4 + random 32x32 crop,
random flip, float conversion, normalisation) in a PyTorch Dataset, batched by
torch.utils.data.DataLoader (batch 64, shuffle) with 0, 1 and 2 worker processes.
Like the accmt side, each case runs with a consumer that only takes the batches and with
one that spends 2 ms of CPU per batch. Prints "workers<TAB>step_ms<TAB>images/s<TAB>
batches/s", the best of --reps epochs after a warm-up."""
import argparse
import os
import time

import torch
from torch.utils.data import DataLoader, Dataset


class AugmentedImages(Dataset):
    def __init__(self, n):
        g = torch.Generator().manual_seed(0)
        self.images = torch.randint(0, 256, (n, 3, 32, 32), generator=g).to(torch.uint8)
        self.labels = torch.randint(0, 10, (n,), generator=g)
        self.mean = torch.tensor([0.49, 0.48, 0.45]).reshape(3, 1, 1)
        self.inv_std = 1 / torch.tensor([0.25, 0.24, 0.26]).reshape(3, 1, 1)
        self.flip = torch.arange(31, -1, -1)

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        g = torch.Generator().manual_seed(i)
        dy, dx, flip = torch.randint(0, 9, (3,), generator=g).tolist()
        padded = torch.zeros(3, 40, 40, dtype=torch.uint8)
        padded[:, 4:36, 4:36] = self.images[i]
        img = padded[:, dy:dy + 32, dx:dx + 32]
        if flip & 1:
            img = img.index_select(2, self.flip)
        img = (img.float() / 255 - self.mean) * self.inv_std
        return {"image": img, "label": self.labels[i]}


def busy_wait_ms(ms):
    """Keeps this thread busy for ms milliseconds (a stand-in for a training step)."""
    end = time.perf_counter() + ms / 1000
    while time.perf_counter() < end:
        pass


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--examples", type=int, default=4096)
    p.add_argument("--threads", type=int, default=int(os.environ.get("OMP_NUM_THREADS", 0)) or os.cpu_count())
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    ds = AugmentedImages(args.examples)
    print(f"# torch {torch.__version__} DataLoader, {args.examples} examples, batch 64, "
          f"{torch.get_num_threads()} threads in the caller")
    for step_ms in (0, 2):
        for workers in (0, 1, 2):
            loader = DataLoader(ds, batch_size=64, shuffle=True, num_workers=workers,
                                persistent_workers=workers > 0)
            best = float("inf")
            for r in range(args.reps + 1):
                t0 = time.perf_counter()
                batches = 0
                for b in loader:
                    batches += b["image"].shape[0] == 64
                    busy_wait_ms(step_ms)
                s = time.perf_counter() - t0
                if r > 0:
                    best = min(best, s)
            print(f"{workers}\t{step_ms}\t{args.examples / best:.0f}\t{batches / best:.1f}")


if __name__ == "__main__":
    main()
