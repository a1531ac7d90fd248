"""Writes checkpoint_reference_f64.safetensors and checkpoint_reference_f32.safetensors
for runtime/tests/checkpoint_python.rs, with the Python `safetensors`
package (safetensors.numpy.save_file) and NumPy. Regenerate with

    cd runtime/tests/data && python3 checkpoint_reference.py

Names are what the Rust side's parameter visitor produces for

    struct Linear { weight: [[T; 3]; 2], bias: [T; 2] }
    struct Model  { l1: Linear, scale: T }

Values are closed forms the Rust test restates: l1.weight[i][j] = 0.25*(3*i + j) - 1,
l1.bias = [0.5, -1.5], scale = 2**-3.
"""
import numpy as np
from safetensors.numpy import save_file

for dtype, suffix in [(np.float64, "f64"), (np.float32, "f32")]:
    weight = (0.25 * np.arange(6, dtype=dtype) - 1.0).reshape(2, 3).astype(dtype)
    tensors = {
        "l1.weight": weight,
        "l1.bias": np.array([0.5, -1.5], dtype=dtype),
        "scale": np.array(2.0 ** -3, dtype=dtype),  # 0-dimensional
    }
    save_file(tensors, f"checkpoint_reference_{suffix}.safetensors", metadata={"written_by": "checkpoint_reference.py"})
