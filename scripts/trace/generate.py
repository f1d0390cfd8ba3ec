"""The run CI records: LLM.generate on a few prompts with the tiny Llama on vLLM's CPU build.

    python generate.py MODEL_DIR

Greedy, 8 tokens per prompt, engine core in this process (VLLM_ENABLE_V1_MULTIPROCESSING=0) so
the recorder sees it. With MARGINALIA_PROFILE_OUT=FILE the generate call also runs under
torch.profiler (CPU activities) and its Chrome trace is written to FILE.
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
    params = SamplingParams(temperature=0.0, max_tokens=8, ignore_eos=True)
    profile_out = os.environ.get("MARGINALIA_PROFILE_OUT")
    if profile_out:
        import torch.profiler

        with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
            outs = llm.generate(prompts, params)
        prof.export_chrome_trace(profile_out)
    else:
        outs = llm.generate(prompts, params)
    for o in outs:
        print(len(o.outputs[0].token_ids), "tokens for", repr(o.prompt))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
