package org.altdiffusion.io.keys.formats;

import org.altdiffusion.io.keys.KeyMapping;

/**
 * diffusers VAE checkpoints saved before diffusers 0.14 (late-2022 models): the mid-block
 * self-attention's weights are called {@code query, key, value, proj_attn} instead of {@code to_q,
 * to_k, to_v, to_out.0}. diffusers renames them on load ({@code
 * ModelMixin._convert_deprecated_attention_blocks}, for the modules built with {@code
 * _from_deprecated_attn_block}, which in {@code AutoencoderKL} are {@code encoder.mid_block} and
 * {@code decoder.mid_block}'s attentions); this table does the same. The layouts are equal (both
 * are linear layers), so no value changes. Every other key is kept; having a weight under both its
 * old and its new name is an error naming both.
 */
public final class DiffusersLegacyVaeAttention {
  private DiffusersLegacyVaeAttention() {}

  /** {@code encoder.mid_block.attentions.0.} and the like, as group 1. */
  private static final String BLOCK = "((?:encoder|decoder)\\.mid_block\\.attentions\\.\\d+\\.)";

  /** The table: old name -> current name, everything else as it is. */
  public static final KeyMapping TABLE =
      KeyMapping.builder("diffusers < 0.14 VAE attention names")
          .regex(BLOCK + "query\\.(weight|bias)", "$1to_q.$2")
          .regex(BLOCK + "key\\.(weight|bias)", "$1to_k.$2")
          .regex(BLOCK + "value\\.(weight|bias)", "$1to_v.$2")
          .regex(BLOCK + "proj_attn\\.(weight|bias)", "$1to_out.0.$2")
          .build();
}
