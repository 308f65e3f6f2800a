package org.altdiffusion.tiny.tokenizers;

import java.util.List;
import org.altdiffusion.tiny.tokenizers.UnigramTrainer.ScoredPiece;

/**
 * Writes a sentencepiece model file ({@code ModelProto} of sentencepiece_model.proto) for a unigram
 * vocabulary, laid out as XLM-R's {@code sentencepiece.bpe.model} is (the name says BPE, the model
 * is unigram): {@code <unk>}=0, {@code <s>}=1, {@code </s>}=2, then the pieces. transformers'
 * XLMRobertaTokenizer shifts these ids by one for fairseq ({@code <s>}=0, {@code <pad>}=1, {@code
 * </s>}=2, {@code <unk>}=3) and appends {@code <mask>}.
 *
 * <p>The normalizer spec is sentencepiece's "identity" rule: no character map (text is segmented as
 * given; XLM-R's own file uses nmt_nfkc), a dummy "▁" prefix, extra spaces removed, spaces escaped.
 * The trainer spec records how the vocabulary was trained; sentencepiece reads only its model type,
 * ids and flags when encoding.
 */
public final class SentencePieceModelWriter {
  /** Meta pieces in front of the vocabulary: {@code <unk>}, {@code <s>}, {@code </s>}. */
  public static final List<String> META_PIECES = List.of("<unk>", "<s>", "</s>");

  private static final int TYPE_UNKNOWN = 2;
  private static final int TYPE_CONTROL = 3;
  private static final int MODEL_UNIGRAM = 1;

  private SentencePieceModelWriter() {}

  /**
   * The model file bytes: meta pieces then {@code pieces} (in order, as ids 3, 4, ...), with the
   * training settings of {@code options} recorded in the trainer spec. {@code input} names the
   * corpus.
   */
  public static byte[] write(
      List<ScoredPiece> pieces, UnigramTrainer.Options options, String input) {
    ProtoWriter model = new ProtoWriter();
    model.message(1, piece("<unk>", 0f, TYPE_UNKNOWN));
    model.message(1, piece("<s>", 0f, TYPE_CONTROL));
    model.message(1, piece("</s>", 0f, TYPE_CONTROL));
    for (ScoredPiece p : pieces) model.message(1, piece(p.piece(), p.score(), 0));
    model.message(2, trainerSpec(options, input));
    model.message(3, normalizerSpec());
    return model.toByteArray();
  }

  /** type 0 = NORMAL, left out as protobuf leaves out a field at its default. */
  private static ProtoWriter piece(String text, float score, int type) {
    ProtoWriter p = new ProtoWriter().string(1, text).float32(2, score);
    if (type != 0) p.varint(3, type);
    return p;
  }

  /** Fields in ascending number, as protobuf serializes them. */
  private static ProtoWriter trainerSpec(UnigramTrainer.Options options, String input) {
    return new ProtoWriter()
        .string(1, input) // input
        .varint(3, MODEL_UNIGRAM) // model_type
        .int32(4, options.vocabSize()) // vocab_size
        .float32(10, 1.0f) // character_coverage: every character is a piece
        .int32(14, options.seedSize()) // seed_sentencepiece_size
        .float32(15, (float) options.shrinkingFactor()) // shrinking_factor
        .int32(17, options.numSubIterations()) // num_sub_iterations
        .int32(20, options.maxPieceLength()) // max_sentencepiece_length
        .bool(21, true) // split_by_unicode_script
        .bool(22, true) // split_by_whitespace
        .bool(23, true) // split_by_number
        .bool(24, false) // treat_whitespace_as_suffix
        .bool(32, true) // vocabulary_output_piece_score
        .bool(33, true) // hard_vocab_limit
        .bool(35, false) // byte_fallback
        .int32(40, 0) // unk_id
        .int32(41, 1) // bos_id
        .int32(42, 2) // eos_id
        .int32(43, -1) // pad_id: none (fairseq adds <pad> itself)
        .string(45, "<unk>") // unk_piece
        .string(46, "<s>") // bos_piece
        .string(47, "</s>") // eos_piece
        .string(48, "<pad>"); // pad_piece
  }

  private static ProtoWriter normalizerSpec() {
    return new ProtoWriter()
        .string(1, "identity") // name; no precompiled_charsmap (2)
        .bool(3, true) // add_dummy_prefix
        .bool(4, true) // remove_extra_whitespaces
        .bool(5, true); // escape_whitespaces
  }
}
