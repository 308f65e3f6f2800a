/**
 * LoRA adapters: reading kohya/A1111 (LoRA, LoCon) and diffusers/PEFT files ({@link
 * org.altdiffusion.lora.LoraFile}, naming tables in {@link org.altdiffusion.io.keys.formats}),
 * merging several of them with their own weights into a model's weights and putting the exact
 * original weights back afterwards ({@link org.altdiffusion.lora.AppliedLoras}), and the hashes
 * A1111 writes into the infotext ({@link org.altdiffusion.lora.LoraHashes}). Knows models only as
 * {@link org.altdiffusion.nn.Module}s: no dependency on the pipeline or the front ends.
 */
package org.altdiffusion.lora;
