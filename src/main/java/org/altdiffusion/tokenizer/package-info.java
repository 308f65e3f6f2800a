/**
 * Prompt tokenizers in pure Java (no native tokenizer library), exact against the reference Python
 * tokenizers.
 *
 * <ul>
 *   <li>{@link org.altdiffusion.tokenizer.XlmRobertaTokenizer}: AltDiffusion's tokenizer
 *       (transformers' XLMRobertaTokenizer over {@code sentencepiece.bpe.model}).
 *   <li>{@link org.altdiffusion.tokenizer.ClipTokenizer}: Stable Diffusion's CLIPTokenizer ({@code
 *       vocab.json} + {@code merges.txt}).
 *   <li>{@link org.altdiffusion.tokenizer.HfTokenizer}: a {@code tokenizer.json} as the fast
 *       tokenizers run it (Unigram/BPE with the normalizers and pre-tokenizers XLM-R and CLIP use).
 *   <li>{@link org.altdiffusion.tokenizer.SentencePieceProcessor}: sentencepiece itself (protobuf
 *       model reader, precompiled-charsmap normalizer, unigram and BPE encoders, byte fallback).
 * </ul>
 *
 * <p>All implement {@link org.altdiffusion.tokenizer.PromptTokenizer}: {@code encode(text)} gives
 * an {@link org.altdiffusion.tokenizer.Encoding} (ids and attention mask padded to the model's max
 * length, plus the untruncated token count). {@link org.altdiffusion.tokenizer.Tokenizers} picks
 * the one diffusers would use: the class model_index.json names (slow or fast, CLIP or XLM-R), the
 * file that class reads; a fast class without tokenizer.json is converted from the slow files as
 * transformers converts it. Parity fixtures: tools/reference/make_tokenizer_fixtures.py,
 * make_saved_folder_fixtures.py.
 */
package org.altdiffusion.tokenizer;
