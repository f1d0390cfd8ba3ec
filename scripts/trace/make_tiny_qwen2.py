"""A tiny random-weight Qwen2 with a locally trained tokenizer (no model hub), for a second recorded run.

    python make_tiny_qwen2.py OUT_DIR
"""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_tiny_llama as base

def main(out):
    import torch
    from transformers import Qwen2Config, Qwen2ForCausalLM
    base.main(out)  # tokenizer (and a Llama we overwrite)
    from transformers import PreTrainedTokenizerFast
    tok = PreTrainedTokenizerFast.from_pretrained(out)
    torch.manual_seed(1)
    config = Qwen2Config(vocab_size=len(tok), hidden_size=128, intermediate_size=256, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=512,
                         bos_token_id=1, eos_token_id=2, tie_word_embeddings=False, torch_dtype="bfloat16")
    for f in os.listdir(out):
        if f.endswith(".safetensors") or f == "config.json":
            os.remove(os.path.join(out, f))
    Qwen2ForCausalLM(config).to(torch.bfloat16).save_pretrained(out)

if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
