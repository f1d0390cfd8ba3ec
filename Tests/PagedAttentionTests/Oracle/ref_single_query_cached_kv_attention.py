"""NumPy port of vLLM 0.6.2's test reference for paged decode attention.

Mirrors `ref_single_query_cached_kv_attention` and `ref_masked_attention` from vLLM's
tests/kernels/test_attention.py with NumPy in place of torch (written for Marginalia's tests, not
copied). Usage: ref_single_query_cached_kv_attention.py DIR; DIR holds meta.json, query.bin,
key_cache.bin, value_cache.bin; writes DIR/output.bin (float32, [num_seqs, num_heads, head_size]).
"""
import json
import os
import sys

import numpy as np


def ref_masked_attention(query, key, value, scale, attn_mask=None):
    # query [1, heads, d], key/value [tokens, heads, d]
    attn_weights = scale * np.einsum("qhd,khd->hqk", query, key).astype(np.float32)
    if attn_mask is not None:
        attn_weights = attn_weights + attn_mask.astype(np.float32)
    attn_weights = attn_weights - attn_weights.max(axis=-1, keepdims=True)
    attn_weights = np.exp(attn_weights)
    attn_weights = attn_weights / attn_weights.sum(axis=-1, keepdims=True)
    return np.einsum("hqk,khd->qhd", attn_weights.astype(value.dtype), value)


def ref_single_query_cached_kv_attention(query, num_queries_per_kv, key_cache, value_cache,
                                         block_tables, seq_lens, scale, alibi_slopes):
    num_seqs, num_query_heads, _ = query.shape
    num_kv_heads = value_cache.shape[1]
    head_size = value_cache.shape[2]
    block_size = value_cache.shape[3]
    output = np.zeros_like(query)
    for i in range(num_seqs):
        q = query[i][None, :, :]
        block_table = block_tables[i]
        seq_len = int(seq_lens[i])
        keys_lst, values_lst = [], []
        for j in range(seq_len):
            block_number = int(block_table[j // block_size])
            block_offset = j % block_size
            k = key_cache[block_number, :, :, block_offset, :].reshape(num_kv_heads, head_size)
            keys_lst.append(k)
            values_lst.append(value_cache[block_number, :, :, block_offset])
        keys = np.stack(keys_lst, axis=0)
        values = np.stack(values_lst, axis=0)
        if num_queries_per_kv > 1:
            keys = np.repeat(keys, num_queries_per_kv, axis=1)
            values = np.repeat(values, num_queries_per_kv, axis=1)
        alibi_bias = None
        if alibi_slopes is not None:
            position_ids = np.arange(seq_len)
            bias = (position_ids - seq_len + 1).astype(np.float32)
            alibi_bias = alibi_slopes.reshape(-1, 1, 1) * bias.reshape(1, 1, -1)
        out = ref_masked_attention(q, keys, values, scale, alibi_bias)
        output[i] = out.reshape(num_query_heads, head_size)
    return output


def main():
    d = sys.argv[1]
    with open(os.path.join(d, "meta.json")) as f:
        meta = json.load(f)
    dtype = np.float16 if meta["dtype"] == "float16" else np.float32
    nb, kvh, hs, bs = meta["num_blocks"], meta["num_kv_heads"], meta["head_size"], meta["block_size"]
    x = 16 // np.dtype(dtype).itemsize
    key_cache = np.fromfile(os.path.join(d, "key_cache.bin"), dtype=dtype).reshape(nb, kvh, hs // x, bs, x)
    value_cache = np.fromfile(os.path.join(d, "value_cache.bin"), dtype=dtype).reshape(nb, kvh, hs, bs)
    # Accumulate in float32, as the kernels do.
    key_cache = key_cache.astype(np.float32)
    value_cache = value_cache.astype(np.float32)
    query = np.fromfile(os.path.join(d, "query.bin"), dtype=np.float32).reshape(
        len(meta["seq_lens"]), meta["num_heads"], hs)
    slopes = None if meta["alibi_slopes"] is None else np.array(meta["alibi_slopes"], dtype=np.float32)
    out = ref_single_query_cached_kv_attention(
        query, meta["num_heads"] // kvh, key_cache, value_cache, meta["block_tables"], meta["seq_lens"],
        np.float32(meta["scale"]), slopes)
    out.astype(np.float32).tofile(os.path.join(d, "output.bin"))


if __name__ == "__main__":
    main()
