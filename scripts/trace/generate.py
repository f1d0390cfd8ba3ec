"""The run CI records: LLM.generate on a few prompts with the tiny Llama on vLLM's CPU build.

    python generate.py MODEL_DIR

Greedy, 8 tokens per prompt, engine core in this process (VLLM_ENABLE_V1_MULTIPROCESSING=0) so
the recorder sees it.
"""
import os
import sys

for k, v in {"HF_HUB_OFFLINE": "1", "VLLM_TARGET_DEVICE": "cpu", "VLLM_CPU_KVCACHE_SPACE": "1",
             "VLLM_ENABLE_V1_MULTIPROCESSING": "0", "TOKENIZERS_PARALLELISM": "false"}.items():
    os.environ.setdefault(k, v)


def main(model):
    from vllm import LLM, SamplingParams

    llm = LLM(model=model, enforce_eager=True, dtype="bfloat16", max_model_len=256, seed=0)
    prompts = ["the quick brown fox", "paged attention keeps", "many requests share", "a lazy dog"]
    outs = llm.generate(prompts, SamplingParams(temperature=0.0, max_tokens=8, ignore_eos=True))
    for o in outs:
        print(len(o.outputs[0].token_ids), "tokens for", repr(o.prompt))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
