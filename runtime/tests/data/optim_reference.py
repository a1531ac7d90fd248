"""Reference values for runtime/tests/optim_reference.rs.

Produced by PyTorch itself (torch.optim, torch.optim.lr_scheduler,
torch.nn.utils.clip_grad_*), in float64, on CPU. Regenerate with

    python3 runtime/tests/data/optim_reference.py > runtime/tests/data/optim_reference.json

The parameters are two tensors, named "0" (shape [2, 3]) and "1" (shape
[3]) as the Rust side's tuple `([[f64; 3]; 2], [f64; 3])` names them. The
gradient sequence is fixed and stored in the JSON, so the Rust test reads
it rather than recomputing it.
"""
import json
import math

import torch

torch.set_default_dtype(torch.float64)

STEPS = 12
INIT = {
    "0": [0.5, -1.25, 2.0, 0.0, 0.75, -0.3],
    "1": [1.0, -0.5, 0.125],
}
SHAPES = {"0": [2, 3], "1": [3]}


def gradient(t, name):
    # Signs change, magnitudes span two orders, one component is exactly 0 at t=0.
    n = len(INIT[name])
    off = 0 if name == "0" else 6
    return [
        math.sin(1.3 * t + 0.7 * (k + off)) * (1.0 + 0.5 * k) + 0.1 * math.cos(t * (k + off)) - (0.1 if k + off == 0 and t == 0 else 0.0)
        for k in range(n)
    ]


GRADS = [{name: gradient(t, name) for name in INIT} for t in range(STEPS)]

CASES = [
    ("sgd_plain", "SGD", dict(lr=0.1)),
    ("sgd_momentum_dampening_wd", "SGD", dict(lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01)),
    ("sgd_nesterov_wd", "SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.001)),
    ("sgd_momentum_maximize", "SGD", dict(lr=0.02, momentum=0.5, maximize=True)),
    ("adam_default", "Adam", dict(lr=0.01)),
    ("adam_l2_amsgrad", "Adam", dict(lr=0.02, betas=(0.8, 0.95), eps=1e-6, weight_decay=0.1, amsgrad=True)),
    ("adamw_default", "AdamW", dict(lr=0.01)),
    ("adamw_amsgrad", "AdamW", dict(lr=0.03, betas=(0.85, 0.99), weight_decay=0.05, amsgrad=True)),
    ("rmsprop_default", "RMSprop", dict(lr=0.01)),
    ("rmsprop_centered_momentum_wd", "RMSprop", dict(lr=0.005, alpha=0.9, eps=1e-6, momentum=0.8, centered=True, weight_decay=0.01)),
    ("adagrad_default", "Adagrad", dict(lr=0.1)),
    ("adagrad_decay_wd_init", "Adagrad", dict(lr=0.1, lr_decay=0.05, weight_decay=0.02, initial_accumulator_value=0.3, eps=1e-8)),
]


def run_case(opt_name, kwargs):
    params = {name: torch.tensor(vals).reshape(SHAPES[name]).requires_grad_(True) for name, vals in INIT.items()}
    opt = getattr(torch.optim, opt_name)(list(params.values()), **kwargs)
    trajectory = []
    for t in range(STEPS):
        opt.zero_grad()
        for name, p in params.items():
            p.grad = torch.tensor(GRADS[t][name]).reshape(SHAPES[name])
        opt.step()
        trajectory.append({name: p.detach().reshape(-1).tolist() for name, p in params.items()})
    return trajectory


def schedule(make, epochs=16, base_lr=0.1):
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=base_lr)
    sched = make(opt)
    lrs = []
    for _ in range(epochs):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return lrs


def clipping():
    out = {}
    grads = [torch.tensor(GRADS[3][name]).reshape(SHAPES[name]) for name in INIT]
    ps = [torch.zeros_like(g, requires_grad=True) for g in grads]
    for p, g in zip(ps, grads):
        p.grad = g.clone()
    total = torch.nn.utils.clip_grad_norm_(ps, max_norm=1.0)
    out["norm_max_norm"] = 1.0
    out["norm_total"] = float(total)
    out["norm_clipped"] = {name: p.grad.reshape(-1).tolist() for name, p in zip(INIT, ps)}
    for p, g in zip(ps, grads):
        p.grad = g.clone()
    torch.nn.utils.clip_grad_value_(ps, clip_value=0.5)
    out["value_clip"] = 0.5
    out["value_clipped"] = {name: p.grad.reshape(-1).tolist() for name, p in zip(INIT, ps)}
    return out


S = torch.optim.lr_scheduler
print(json.dumps({
    "generator": f"runtime/tests/data/optim_reference.py with torch {torch.__version__}",
    "init": INIT,
    "grads": GRADS,
    "cases": [
        {"name": name, "optimizer": opt_name, "kwargs": kwargs, "trajectory": run_case(opt_name, kwargs)}
        for name, opt_name, kwargs in CASES
    ],
    "schedules": {
        "base_lr": 0.1,
        "step_lr_3_0.5": schedule(lambda o: S.StepLR(o, step_size=3, gamma=0.5)),
        "exponential_0.9": schedule(lambda o: S.ExponentialLR(o, gamma=0.9)),
        "cosine_10_0.001": schedule(lambda o: S.CosineAnnealingLR(o, T_max=10, eta_min=0.001), epochs=11),
        "linear_0.1_1.0_5": schedule(lambda o: S.LinearLR(o, start_factor=0.1, end_factor=1.0, total_iters=5)),
    },
    "clipping": clipping(),
}, indent=1))
