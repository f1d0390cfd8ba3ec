"""A second recorded run for the label measure (issue 17): the tiny Qwen2 with prefix caching, chunked
prefill (32-token budget) and sampling (temperature, top-p, top-k), two passes over prompts that share
a prefix.   python generate_qwen2_prefix.py MODEL_DIR"""
import os, sys
for k, v in {"HF_HUB_OFFLINE": "1", "VLLM_TARGET_DEVICE": "cpu", "VLLM_CPU_KVCACHE_SPACE": "1",
             "VLLM_ENABLE_V1_MULTIPROCESSING": "0", "TOKENIZERS_PARALLELISM": "false"}.items():
    os.environ.setdefault(k, v)
from vllm import LLM, SamplingParams
llm = LLM(model=sys.argv[1], enforce_eager=True, dtype="bfloat16", max_model_len=256, seed=0,
          enable_prefix_caching=True, enable_chunked_prefill=True, max_num_batched_tokens=32)
shared = "the quick brown fox jumps over a lazy dog while paged attention keeps every key "
prompts = [shared + p for p in ["and value", "in blocks", "of the cache", "so that many"]]
params = SamplingParams(temperature=0.8, top_p=0.9, top_k=20, max_tokens=8)
outs = llm.generate(prompts, params)
outs = llm.generate(prompts, params)  # second pass hits the prefix cache
for o in outs:
    print(len(o.outputs[0].token_ids), "tokens")
