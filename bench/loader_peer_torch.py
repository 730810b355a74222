#!/usr/bin/env python3
"""Peer of bench/loader_bench.cpp: the same augmentation (pad 4 + random 32x32 crop,
random flip, float conversion, normalisation) in a PyTorch Dataset, batched by
torch.utils.data.DataLoader (batch 64, shuffle) with 0, 1 and 2 worker processes.
Prints "workers<TAB>images/s<TAB>batches/s", the best of --reps epochs after a warm-up."""
import argparse
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


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--examples", type=int, default=4096)
    args = p.parse_args()
    ds = AugmentedImages(args.examples)
    print(f"# torch {torch.__version__} DataLoader, {args.examples} examples, batch 64, "
          f"{torch.get_num_threads()} threads in the caller")
    for workers in (0, 1, 2):
        loader = DataLoader(ds, batch_size=64, shuffle=True, num_workers=workers,
                            persistent_workers=workers > 0)
        best = float("inf")
        for r in range(args.reps + 1):
            t0 = time.perf_counter()
            batches = sum(1 for b in loader if b["image"].shape[0] == 64)
            s = time.perf_counter() - t0
            if r > 0:
                best = min(best, s)
        print(f"{workers}\t{args.examples / best:.0f}\t{batches / best:.1f}")


if __name__ == "__main__":
    main()
