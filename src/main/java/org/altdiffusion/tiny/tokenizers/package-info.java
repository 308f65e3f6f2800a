/**
 * The tiny AltDiffusion's tokenizers, trained from the shapes dataset's captions by our own code.
 *
 * <pre>{@code
 * TinyTokenizers.Summary s = TinyTokenizers.build(dir, seed, TinyTokenizers.DEFAULT_VOCAB_SIZE);
 * XlmRobertaTokenizer student = XlmRobertaTokenizer.load(dir.resolve(TinyTokenizers.MULTILINGUAL));
 * ClipTokenizer teacher = ClipTokenizer.load(dir.resolve(TinyTokenizers.ENGLISH));
 * }</pre>
 *
 * <ul>
 *   <li>{@link org.altdiffusion.tiny.tokenizers.UnigramTrainer}: sentencepiece's unigram training
 *       (seeds, EM with digamma re-scoring, likelihood-loss pruning, full character coverage);
 *       {@link org.altdiffusion.tiny.tokenizers.SentencePieceModelWriter} writes the protobuf model
 *       file in XLM-R's layout ({@code <unk>}, {@code <s>}, {@code </s>}, then pieces; identity
 *       normalization).
 *   <li>{@link org.altdiffusion.tiny.tokenizers.ClipBpeTrainer}: byte-level BPE merges as CLIP's
 *       vocabulary lays them out.
 *   <li>{@link org.altdiffusion.tiny.tokenizers.CaptionCorpus}: the training captions (TRAIN split
 *       only) and every caption of the dataset (for the checks).
 * </ul>
 *
 * Reference check: {@code tools/reference/check_tiny_tokenizer.py} (Python sentencepiece,
 * XLMRobertaTokenizer, CLIPTokenizer on the written files).
 */
package org.altdiffusion.tiny.tokenizers;
