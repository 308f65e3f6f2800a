/**
 * The tiny AltDiffusion's English teacher CLIP: the text tower the tiny UNet conditions on and the
 * multilingual student is distilled to, trained contrastively against a small image tower.
 *
 * <pre>{@code
 * TinyClipTrainer.Result r = TinyClipTrainer.train(TinyClipConfig.defaults(vocab, bos, eos, 32),
 *     tokenizerFolder, TinyClipTrainer.Options.defaults(600, 0), System.out::println);
 * TinyClip clip = r.clip();
 * clip.save(dir);  TinyClip.load(dir);
 * clip.encodeText(texts);  clip.encodeImage(pixels);            // unit vectors [B, 128]
 * clip.score(sample.pixels(), "a small red circle on the left"); // cosine
 * clip.pooledText(texts);        // [B, 128] end-token vector: the distillation target
 * clip.textHiddenStates(texts);  // [B, 32, 128]: the UNet conditioning
 * ClipRetrieval.evaluate(clip, dataSeed, 480, 704);              // attribute-level retrieval
 * }</pre>
 *
 * Reference check: {@code tools/reference/check_tiny_clip.py} (transformers' CLIPTextModel and a
 * PyTorch image tower on a folder written by {@link org.altdiffusion.tiny.clip.TinyClip#save}).
 */
package org.altdiffusion.tiny.clip;
