/**
 * The one place for foreign checkpoint namings: one class per format, each holding the {@link
 * org.altdiffusion.io.keys.KeyMapping} table(s) that turn that format's keys into the names our
 * modules use (diffusers / transformers state-dict names). Code that loads a foreign file picks the
 * table here and applies it to the opened {@link org.altdiffusion.io.TensorSource}; no model class
 * keeps renaming logic of its own.
 *
 * <p>Today: {@link org.altdiffusion.io.keys.formats.DiffusersLegacyVaeAttention} (pre-0.14
 * diffusers VAE attention names), {@link org.altdiffusion.io.keys.formats.KohyaLora} (kohya/A1111
 * LoRA and LoCon names, a table built from the target model's layer paths), {@link
 * org.altdiffusion.io.keys.formats.PeftLora} (diffusers/PEFT LoRA names, the names the LoRA reader
 * works on) and {@link org.altdiffusion.io.keys.formats.LdmSingleFile} (original LDM / A1111
 * single-file checkpoints, one table per component prefix). Planned here, each as its own class:
 *
 * <ul>
 *   <li>{@code ControlNetLdm}: original ControlNet files ({@code control_model.input_blocks},
 *       {@code zero_convs}, {@code input_hint_block}, {@code middle_block_out}).
 * </ul>
 *
 * Tables compose with {@code KeyMapping.andThen}, so a format can reuse another's table (e.g. LDM's
 * VAE table followed by nothing else, or a LoRA table built on the LDM UNet block names).
 */
package org.altdiffusion.io.keys.formats;
