"""The mathematics of large language models, small enough to run and print exactly (chapter 1.4).

NumPy only (scipy for one fit). Modules by topic:

tokenize     naive word IDs and a byte-level BPE tokenizer trained on a tiny corpus
embedding    one-hot vectors and embedding lookup (the same map)
ngram        bigram / n-gram models, log-likelihood, cross-entropy, perplexity
sampling     softmax with temperature, top-k and top-p sampling
attention    scaled dot-product attention, causal mask, heads, sinusoidal and rotary positions
transformer  a pre-norm decoder block, a toy LM and its KV cache
training     cross-entropy gradient, finite differences, AdamW
scaling      C = 6ND, Kaplan and Chinchilla laws, compute-optimal sizes, power-law fits
inference    KV-cache memory, decoding cost, speculative decoding
efficient    int8 quantisation, LoRA, mixture-of-experts routing
alignment    Bradley-Terry, KL-regularised RLHF, PPO clip, DPO
reasoning    best-of-n, pass@k, majority voting
"""
from __future__ import annotations

from .alignment import (
    bradley_terry_prob,
    dpo_implicit_rewards,
    dpo_loss,
    kl_divergence,
    kl_regularized_objective,
    log_sigmoid,
    optimal_kl_policy,
    ppo_clip_objective,
    reward_model_loss,
)
from .attention import (
    apply_rope,
    attention_scores,
    blockwise_attention,
    causal_mask,
    merge_heads,
    multi_head_attention,
    rope_angles,
    scaled_dot_product_attention,
    sinusoidal_positions,
    split_heads,
)
from .efficient import (
    dequantize_int8,
    init_lora,
    load_balancing_loss,
    lora_forward,
    lora_params,
    moe_forward,
    moe_topk_gate,
    quantization_error,
    quantize_int8,
)
from .embedding import embedding_lookup, one_hot, one_hot_matmul
from .inference import (
    acceptance_rate,
    decode_step_cost,
    kv_cache_bytes,
    simulate_speculative_tokens,
    speculative_expected_tokens,
    speculative_output_distribution,
    speculative_sample,
    speculative_speedup,
)
from .ngram import (
    bigram_counts,
    bigram_model,
    cross_entropy,
    ngram_counts,
    ngram_prob,
    perplexity,
    sequence_log_likelihood,
    sequence_log_probs,
)
from .reasoning import best_of_n_success, majority_vote_accuracy, pass_at_k
from .sampling import (
    entropy,
    log_softmax,
    next_token_distribution,
    sample_token,
    softmax,
    top_k_filter,
    top_p_filter,
)
from .scaling import (
    CHINCHILLA,
    KAPLAN,
    chinchilla_loss,
    compute_optimal,
    compute_optimal_rule,
    fit_offset_power_law,
    fit_power_law,
    kaplan_loss,
    training_flops,
)
from .tokenize import BPEModel, bpe_decode, bpe_encode, bpe_pieces, pretokenize, train_toy_bpe, word_ids
from .training import AdamWState, adamw_step, cross_entropy_logits, numerical_gradient, train_bigram_logits
from .transformer import (
    block_param_count,
    gelu,
    init_block,
    init_tiny_lm,
    layer_norm,
    new_kv_cache,
    tiny_lm_forward,
    transformer_block,
)

__all__ = [
    # tokenize
    "word_ids", "pretokenize", "BPEModel", "train_toy_bpe", "bpe_encode", "bpe_decode", "bpe_pieces",
    # embedding
    "one_hot", "embedding_lookup", "one_hot_matmul",
    # ngram
    "bigram_counts", "bigram_model", "ngram_counts", "ngram_prob", "sequence_log_probs",
    "sequence_log_likelihood", "cross_entropy", "perplexity",
    # sampling
    "softmax", "log_softmax", "entropy", "top_k_filter", "top_p_filter", "next_token_distribution", "sample_token",
    # attention
    "causal_mask", "attention_scores", "scaled_dot_product_attention", "split_heads", "merge_heads",
    "multi_head_attention", "sinusoidal_positions", "rope_angles", "apply_rope", "blockwise_attention",
    # transformer
    "layer_norm", "gelu", "init_block", "block_param_count", "transformer_block", "init_tiny_lm",
    "tiny_lm_forward", "new_kv_cache",
    # training
    "cross_entropy_logits", "numerical_gradient", "AdamWState", "adamw_step", "train_bigram_logits",
    # scaling
    "CHINCHILLA", "KAPLAN", "training_flops", "kaplan_loss", "chinchilla_loss", "compute_optimal",
    "compute_optimal_rule", "fit_power_law", "fit_offset_power_law",
    # inference
    "kv_cache_bytes", "decode_step_cost", "acceptance_rate", "speculative_expected_tokens", "speculative_speedup",
    "speculative_output_distribution", "speculative_sample", "simulate_speculative_tokens",
    # efficient
    "quantize_int8", "dequantize_int8", "quantization_error", "lora_params", "init_lora", "lora_forward",
    "moe_topk_gate", "moe_forward", "load_balancing_loss",
    # alignment
    "log_sigmoid", "bradley_terry_prob", "reward_model_loss", "kl_divergence", "kl_regularized_objective",
    "optimal_kl_policy", "ppo_clip_objective", "dpo_implicit_rewards", "dpo_loss",
    # reasoning
    "best_of_n_success", "pass_at_k", "majority_vote_accuracy",
]
