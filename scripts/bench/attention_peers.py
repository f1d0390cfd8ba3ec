#!/usr/bin/env python3
"""Peer decode-attention kernels for `marginalia-bench paged --peers`.

The bench starts this script once and drives it over stdin/stdout, one JSON object per line, so that
the peers run in the same process run as Marginalia's kernels, in interleaved rounds:

  {"cmd": "hello"}  -> {"peers": {"vllm": null | "why not", "sdpa": null | "why not"}, "versions": {...}}
  {"cmd": "setup", "dtype": "float32"|"float16"|"bfloat16", "block": B, "seqs": S, "heads": H,
   "head": D, "context": T, "seeds": [key, value, query], "tables": [[physical block, ...], ...],
   "sdpa": true|false}                          -> {"isa": "vec" | "vec16" | ..., "setup_s": seconds}
  {"cmd": "run", "peer": "vllm"|"sdpa", "out": PATH}  -> writes the output as float32 [S, H, D]; {}
  {"cmd": "time", "peer": "vllm"|"sdpa"}              -> {"ms": one call's wall time}
  {"cmd": "quit"}

Inputs are generated from the seeds with the same counter-based SplitMix64 the bench uses
(value i of a stream = mix(seed + (i + 1) * 0x9E3779B97F4A7C15), top 24 bits mapped to [-1, 1)), so
both sides hold bit-identical K/V/Q without shipping a gigabyte through a pipe. Layouts: K and V
[seq][token][head][dim], Q [seq][head][dim]; rounded to the dtype (round to nearest even).
Errors come back as {"error": "..."}.
"""

import json
import os
import sys
import time

# Idle OpenMP workers must sleep, not spin: the bench runs its own threads between our calls.
os.environ.setdefault("KMP_BLOCKTIME", "0")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

GAMMA = 0x9E3779B97F4A7C15
MASK = (1 << 64) - 1

state = {}


def reply(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def unit_stream(np, seed, count, chunk=1 << 22):
    """count floats of the counter-based SplitMix64 stream `seed`, as float32 in [-1, 1)."""
    out = np.empty(count, dtype=np.float32)
    g = np.uint64(GAMMA)
    s = np.uint64(seed & MASK)
    with np.errstate(over="ignore"):
        for start in range(0, count, chunk):
            n = min(chunk, count - start)
            z = (np.arange(start + 1, start + n + 1, dtype=np.uint64) * g) + s
            z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
            z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
            z = z ^ (z >> np.uint64(31))
            out[start:start + n] = (z >> np.uint64(40)).astype(np.float32) / np.float32(1 << 23) - np.float32(1)
    return out


def hello():
    peers = {"vllm": None, "sdpa": None}
    versions = {}
    try:
        import torch
        versions["torch"] = torch.__version__
        versions["threads"] = torch.get_num_threads()
    except Exception as e:  # noqa: BLE001 - report any import failure as the reason
        return {"peers": {"vllm": f"import torch failed: {e}", "sdpa": f"import torch failed: {e}"},
                "versions": versions}
    try:
        import vllm
        import vllm._custom_ops  # noqa: F401 - registers torch.ops._C
        import torch
        versions["vllm"] = vllm.__version__
        if not hasattr(torch.ops._C, "cpu_attention_with_kv_cache"):
            peers["vllm"] = "this vllm build has no torch.ops._C.cpu_attention_with_kv_cache (not the CPU build?)"
    except Exception as e:  # noqa: BLE001
        peers["vllm"] = f"import vllm failed: {type(e).__name__}: {e}"
    state["peers"] = peers
    return {"peers": peers, "versions": versions}


def attn_isa(torch, dtype, block, head):
    # vLLM 0.32.0's selector (_get_attn_isa in vllm/v1/attention/backends/cpu_attn.py) on x86, restated
    # here because importing that module pulls in most of vLLM (about a minute on a busy 2-core machine).
    if head % 32 != 0 and head % 16 == 0:
        return "vec16"
    if torch.cpu._is_amx_tile_supported() and dtype == torch.bfloat16 and block % 32 == 0:
        return "amx"
    return "vec" if block % 32 == 0 else "vec16"


def setup(req):
    import numpy as np
    import torch
    t0 = time.perf_counter()
    state.pop("vllm_args", None)
    state.pop("sdpa_args", None)
    dtype = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}[req["dtype"]]
    S, H, D, T, B = req["seqs"], req["heads"], req["head"], req["context"], req["block"]
    ks, vs, qs = req["seeds"]
    tables = torch.tensor(req["tables"], dtype=torch.int32)
    query = torch.from_numpy(unit_stream(np, qs, S * H * D)).view(S, H, D).to(dtype)
    key = torch.from_numpy(unit_stream(np, ks, S * T * H * D)).view(S * T, H, D).to(dtype)
    value = torch.from_numpy(unit_stream(np, vs, S * T * H * D)).view(S * T, H, D).to(dtype)
    result = {}
    if state["peers"]["vllm"] is None:
        import vllm._custom_ops as ops
        isa = attn_isa(torch, dtype, B, D)
        num_blocks = int(tables.max()) + 1
        # Zeroed, not empty: the kernel reads the unused slots of a sequence's last block (their logits
        # are masked, but 0 * NaN garbage from torch.empty is NaN: seen with context 300, block 16).
        kc = torch.zeros(num_blocks, H, B, D, dtype=dtype)
        vc = torch.zeros_like(kc)
        t = torch.arange(T, dtype=torch.int64)
        slots = (tables.to(torch.int64)[:, t // B] * B + t % B).reshape(-1)
        ops.cpu_attn_reshape_and_cache(key, value, kc, vc, slots, isa)
        seq_lens = torch.full((S,), T, dtype=torch.int32)
        qsl = torch.arange(S + 1, dtype=torch.int32)
        meta = ops.cpu_attn_get_scheduler_metadata(
            num_reqs=S, num_heads=H, num_kv_heads=H, head_dim=D, seq_lens=seq_lens, dtype=dtype,
            query_start_loc=qsl, causal=True, sliding_window_size=-1, isa=isa, enable_kv_split=True)
        out = torch.empty_like(query)
        state["vllm_args"] = dict(
            query=query, key_cache=kc, value_cache=vc, output=out, query_start_loc=qsl, seq_lens=seq_lens,
            scale=D ** -0.5, causal=True, alibi_slopes=None, sliding_window=-1, block_table=tables, softcap=0.0,
            scheduler_metadata=meta, s_aux=None)
        result["isa"] = isa
    if req.get("sdpa"):
        k4 = key.view(S, T, H, D).transpose(1, 2).contiguous()
        v4 = value.view(S, T, H, D).transpose(1, 2).contiguous()
        state["sdpa_args"] = (query.view(S, H, 1, D), k4, v4, D ** -0.5)
    del key, value
    result["setup_s"] = time.perf_counter() - t0
    return result


def call(peer):
    import torch
    if peer == "vllm":
        import vllm._custom_ops as ops
        a = state["vllm_args"]
        ops.cpu_attention_with_kv_cache(**a)
        return a["output"]
    q, k, v, scale = state["sdpa_args"]
    return torch.nn.functional.scaled_dot_product_attention(q, k, v, scale=scale)


def main():
    import_error = None
    try:
        import torch
        torch.set_grad_enabled(False)
    except Exception as e:  # noqa: BLE001
        import_error = str(e)
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            req = json.loads(line)
            cmd = req["cmd"]
            if cmd == "quit":
                return
            if cmd == "hello":
                reply(hello())
            elif import_error is not None:
                reply({"error": f"import torch failed: {import_error}"})
            elif cmd == "setup":
                reply(setup(req))
            elif cmd == "run":
                out = call(req["peer"]).float().contiguous().numpy()
                out.tofile(req["out"])
                reply({})
            elif cmd == "time":
                t0 = time.perf_counter()
                call(req["peer"])
                reply({"ms": (time.perf_counter() - t0) * 1e3})
            else:
                reply({"error": f"unknown command {cmd}"})
        except Exception as e:  # noqa: BLE001 - every failure goes back to the bench as text
            reply({"error": f"{type(e).__name__}: {e}"})


if __name__ == "__main__":
    main()
