package org.altdiffusion.tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.altdiffusion.io.CheckpointException;

/**
 * A sentencepiece model file ({@code sentencepiece.bpe.model}, {@code *.model}): the protobuf
 * {@code ModelProto} of sentencepiece_model.proto, decoded by hand. Only the fields that change
 * encoding are kept; all others (and unknown fields) are skipped. Proto2 semantics: a scalar field
 * seen twice keeps the last value, a sub-message seen twice is merged, an enum value the schema
 * does not know leaves the field at its default. Stricter than sentencepiece in one way: a model
 * must have its trainer_spec and normalizer_spec (every trained model does), so that a file
 * truncated exactly between two fields is still reported as truncated.
 */
public final class SentencePieceModelFile {
  /** ModelProto.SentencePiece.Type. */
  public enum PieceType {
    NORMAL,
    UNKNOWN,
    CONTROL,
    USER_DEFINED,
    UNUSED,
    BYTE;

    static PieceType fromProto(long v) {
      return switch ((int) v) {
        case 2 -> UNKNOWN;
        case 3 -> CONTROL;
        case 4 -> USER_DEFINED;
        case 5 -> UNUSED;
        case 6 -> BYTE;
        default ->
            NORMAL; // 1, and values unknown to the schema (proto2: field stays at its default)
      };
    }
  }

  /** TrainerSpec.ModelType. */
  public enum ModelType {
    UNIGRAM,
    BPE,
    WORD,
    CHAR;

    static ModelType fromProto(long v, ModelType current) {
      return switch ((int) v) {
        case 1 -> UNIGRAM;
        case 2 -> BPE;
        case 3 -> WORD;
        case 4 -> CHAR;
        default -> current;
      };
    }
  }

  /** One vocabulary entry; its index in {@link #pieces()} is its sentencepiece id. */
  public record Piece(String piece, float score, PieceType type) {}

  /**
   * The TrainerSpec fields that matter when encoding (defaults as in sentencepiece_model.proto).
   *
   * @param modelType model_type, default UNIGRAM
   * @param byteFallback byte_fallback, default false: unknown characters become {@code <0xXX>}
   *     pieces
   * @param treatWhitespaceAsSuffix treat_whitespace_as_suffix, default false: the dummy "▁" goes
   *     last
   * @param unkId unk_id, default 0
   * @param bosId bos_id, default 1
   * @param eosId eos_id, default 2
   * @param padId pad_id, default -1 (none)
   */
  public record TrainerSpec(
      ModelType modelType,
      boolean byteFallback,
      boolean treatWhitespaceAsSuffix,
      int unkId,
      int bosId,
      int eosId,
      int padId) {}

  /**
   * NormalizerSpec (defaults as in sentencepiece_model.proto).
   *
   * @param name rule name (e.g. nmt_nfkc), informational
   * @param precompiledCharsmap the compiled normalization rules; empty = identity
   * @param addDummyPrefix add_dummy_prefix, default true: "▁" before the text
   * @param removeExtraWhitespaces remove_extra_whitespaces, default true
   * @param escapeWhitespaces escape_whitespaces, default true: ' ' becomes U+2581
   */
  public record NormalizerSpec(
      String name,
      byte[] precompiledCharsmap,
      boolean addDummyPrefix,
      boolean removeExtraWhitespaces,
      boolean escapeWhitespaces) {}

  private final Path file;
  private final List<Piece> pieces;
  private final List<byte[]> pieceBytes; // UTF-8 of each piece, as stored
  private PieceTrie normalIndex; // NORMAL, USER_DEFINED and UNUSED pieces -> id (built by validate)
  private final Map<String, Integer> reservedIds = new HashMap<>(); // UNKNOWN, CONTROL, BYTE pieces
  private final TrainerSpec trainerSpec;
  private final NormalizerSpec normalizerSpec;
  private final NormalizerSpec denormalizerSpec;

  private SentencePieceModelFile(
      Path file,
      List<Piece> pieces,
      List<byte[]> pieceBytes,
      TrainerSpec trainerSpec,
      NormalizerSpec normalizerSpec,
      NormalizerSpec denormalizerSpec) {
    this.file = file;
    this.pieces = pieces;
    this.pieceBytes = pieceBytes;
    this.trainerSpec = trainerSpec;
    this.normalizerSpec = normalizerSpec;
    this.denormalizerSpec = denormalizerSpec;
  }

  public static SentencePieceModelFile read(Path file) {
    byte[] data;
    try {
      data = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new CheckpointException(file, "file not found");
    } catch (IOException e) {
      throw new CheckpointException(file, "cannot read: " + e.getMessage(), e);
    }
    return parse(file, data);
  }

  /** Parses and validates {@code data}; {@code file} only names the source in errors. */
  public static SentencePieceModelFile parse(Path file, byte[] data) {
    SentencePieceModelFile model;
    try {
      model = decode(file, data);
    } catch (ProtoReader.Malformed e) {
      throw new CheckpointException(
          file,
          "not a sentencepiece model (protobuf ModelProto expected; "
              + e.getMessage()
              + "; file truncated or of another kind?)");
    }
    model.validate();
    return model;
  }

  public Path file() {
    return file;
  }

  public List<Piece> pieces() {
    return pieces;
  }

  public TrainerSpec trainerSpec() {
    return trainerSpec;
  }

  public NormalizerSpec normalizerSpec() {
    return normalizerSpec;
  }

  /** The denormalizer spec, or null when the file has none (decoding is not implemented). */
  public NormalizerSpec denormalizerSpec() {
    return denormalizerSpec;
  }

  /** Sorted index of the NORMAL, USER_DEFINED and UNUSED pieces (sentencepiece's pieces_ map). */
  PieceTrie normalIndex() {
    return normalIndex;
  }

  /** The UNKNOWN, CONTROL and BYTE pieces (sentencepiece's reserved_id_map_). */
  Map<String, Integer> reservedIds() {
    return reservedIds;
  }

  byte[] pieceBytes(int id) {
    return pieceBytes.get(id);
  }

  // ---- decoding -------------------------------------------------------------------------------

  private static final class TrainerBuilder {
    ModelType modelType = ModelType.UNIGRAM;
    boolean byteFallback;
    boolean treatWhitespaceAsSuffix;
    int unkId = 0;
    int bosId = 1;
    int eosId = 2;
    int padId = -1;

    void merge(ProtoReader r) {
      while (!r.atEnd()) {
        int tag = r.tag();
        switch (tag) {
          case 3 << 3 -> modelType = ModelType.fromProto(r.varint(), modelType);
          case 24 << 3 -> treatWhitespaceAsSuffix = r.varint() != 0;
          case 35 << 3 -> byteFallback = r.varint() != 0;
          case 40 << 3 -> unkId = (int) r.varint();
          case 41 << 3 -> bosId = (int) r.varint();
          case 42 << 3 -> eosId = (int) r.varint();
          case 43 << 3 -> padId = (int) r.varint();
          default -> r.skip(tag);
        }
      }
    }

    TrainerSpec build() {
      return new TrainerSpec(
          modelType, byteFallback, treatWhitespaceAsSuffix, unkId, bosId, eosId, padId);
    }
  }

  private static final class NormalizerBuilder {
    String name = "";
    byte[] charsmap = new byte[0];
    boolean addDummyPrefix = true;
    boolean removeExtraWhitespaces = true;
    boolean escapeWhitespaces = true;

    void merge(Path file, ProtoReader r) {
      while (!r.atEnd()) {
        int tag = r.tag();
        switch (tag) {
          case 1 << 3 | ProtoReader.LENGTH_DELIMITED ->
              name = string(file, r.bytes(), "normalizer name");
          case 2 << 3 | ProtoReader.LENGTH_DELIMITED -> charsmap = r.bytes();
          case 3 << 3 -> addDummyPrefix = r.varint() != 0;
          case 4 << 3 -> removeExtraWhitespaces = r.varint() != 0;
          case 5 << 3 -> escapeWhitespaces = r.varint() != 0;
          default -> r.skip(tag);
        }
      }
    }

    NormalizerSpec build() {
      return new NormalizerSpec(
          name, charsmap, addDummyPrefix, removeExtraWhitespaces, escapeWhitespaces);
    }
  }

  private static SentencePieceModelFile decode(Path file, byte[] data) {
    ProtoReader r = new ProtoReader(data);
    List<Piece> pieces = new ArrayList<>();
    List<byte[]> pieceBytes = new ArrayList<>();
    TrainerBuilder trainer = new TrainerBuilder();
    NormalizerBuilder normalizer = new NormalizerBuilder();
    NormalizerBuilder denormalizer = null;
    boolean hasTrainer = false;
    boolean hasNormalizer = false;
    while (!r.atEnd()) {
      int tag = r.tag();
      switch (tag) {
        case 1 << 3 | ProtoReader.LENGTH_DELIMITED -> {
          byte[][] utf8 = new byte[1][];
          pieces.add(piece(file, r.message(), pieces.size(), utf8));
          pieceBytes.add(utf8[0]);
        }
        case 2 << 3 | ProtoReader.LENGTH_DELIMITED -> {
          trainer.merge(r.message());
          hasTrainer = true;
        }
        case 3 << 3 | ProtoReader.LENGTH_DELIMITED -> {
          normalizer.merge(file, r.message());
          hasNormalizer = true;
        }
        case 5 << 3 | ProtoReader.LENGTH_DELIMITED -> {
          if (denormalizer == null) denormalizer = new NormalizerBuilder();
          denormalizer.merge(file, r.message());
        }
        default -> r.skip(tag);
      }
    }
    if (!pieces.isEmpty() && (!hasTrainer || !hasNormalizer)) {
      // sentencepiece writes both after the pieces; a file cut at a field boundary loses them.
      throw new CheckpointException(
          file,
          "sentencepiece model is incomplete: it has "
              + pieces.size()
              + " pieces but no "
              + (hasTrainer ? "normalizer_spec" : "trainer_spec")
              + " (file truncated?)");
    }
    return new SentencePieceModelFile(
        file,
        List.copyOf(pieces),
        pieceBytes,
        trainer.build(),
        normalizer.build(),
        denormalizer == null ? null : denormalizer.build());
  }

  private static Piece piece(Path file, ProtoReader r, int index, byte[][] utf8) {
    String text = "";
    utf8[0] = new byte[0];
    float score = 0f;
    PieceType type = PieceType.NORMAL;
    while (!r.atEnd()) {
      int tag = r.tag();
      switch (tag) {
        case 1 << 3 | ProtoReader.LENGTH_DELIMITED -> {
          utf8[0] = r.bytes();
          text = string(file, utf8[0], "piece " + index);
        }
        case 2 << 3 | ProtoReader.FIXED32 -> score = r.float32();
        case 3 << 3 -> type = PieceType.fromProto(r.varint());
        default -> r.skip(tag);
      }
    }
    return new Piece(text, score, type);
  }

  private static String string(Path file, byte[] utf8, String what) {
    String s = Utf8.decodeStrict(utf8, 0, utf8.length);
    if (s == null) throw new CheckpointException(file, what + " is not valid UTF-8");
    return s;
  }

  // ---- validation (the checks sentencepiece makes when it loads a model) ---------------------

  private void validate() {
    if (pieces.isEmpty()) {
      throw new CheckpointException(
          file,
          "not a sentencepiece model: it has no pieces"
              + " (expected a protobuf ModelProto with a vocabulary)");
    }
    ModelType type = trainerSpec.modelType();
    if (type != ModelType.UNIGRAM && type != ModelType.BPE) {
      throw new CheckpointException(
          file,
          "sentencepiece model type " + type + " is not supported" + " (UNIGRAM and BPE are)");
    }
    List<byte[]> normalKeys = new ArrayList<>();
    List<Integer> normalIds = new ArrayList<>();
    boolean[] byteSeen = new boolean[256];
    int unk = -1;
    for (int i = 0; i < pieces.size(); i++) {
      Piece p = pieces.get(i);
      if (p.piece().isEmpty()) throw new CheckpointException(file, "piece " + i + " is empty");
      boolean isNormal =
          p.type() == PieceType.NORMAL
              || p.type() == PieceType.USER_DEFINED
              || p.type() == PieceType.UNUSED;
      if (isNormal) {
        normalKeys.add(pieceBytes.get(i));
        normalIds.add(i);
      } else {
        Integer before = reservedIds.putIfAbsent(p.piece(), i);
        if (before != null) throw duplicate(p.piece(), before, i);
      }
      if (p.type() == PieceType.UNKNOWN) {
        if (unk >= 0)
          throw new CheckpointException(file, "two unknown pieces (ids " + unk + " and " + i + ")");
        unk = i;
      }
      if (p.type() == PieceType.BYTE) {
        if (!trainerSpec.byteFallback()) {
          throw new CheckpointException(
              file, "byte piece " + p.piece() + " found although byte_fallback is false");
        }
        int b = byteOfPiece(p.piece());
        if (b < 0)
          throw new CheckpointException(
              file, "byte piece " + p.piece() + " is invalid (expected <0xXX>)");
        byteSeen[b] = true;
      }
    }
    if (unk < 0) throw new CheckpointException(file, "the model has no unknown piece (<unk>)");
    if (trainerSpec.byteFallback()) {
      for (int b = 0; b < 256; b++) {
        if (!byteSeen[b]) {
          throw new CheckpointException(
              file,
              String.format(
                  "byte_fallback is true but byte piece <0x%02X> is missing (all 256 are required)",
                  b));
        }
      }
    }
    if (normalKeys.isEmpty()) throw new CheckpointException(file, "the model has no normal pieces");
    try {
      normalIndex =
          new PieceTrie(
              normalKeys.toArray(new byte[0][]),
              normalIds.stream().mapToInt(Integer::intValue).toArray());
    } catch (PieceTrie.DuplicateKey e) {
      throw duplicate(e.key, e.firstValue, e.secondValue);
    }
  }

  private CheckpointException duplicate(String piece, int first, int second) {
    return new CheckpointException(
        file, "piece \"" + piece + "\" is defined twice (ids " + first + " and " + second + ")");
  }

  /** sentencepiece's ByteToPiece: {@code <0xAB>} (upper-case hex). */
  static String pieceOfByte(int b) {
    return String.format("<0x%02X>", b & 0xFF);
  }

  /** sentencepiece's PieceToByte: the byte a {@code <0xAB>} piece stands for, or -1. */
  static int byteOfPiece(String piece) {
    if (piece.length() != 6 || !piece.startsWith("<0x") || piece.charAt(5) != '>') return -1;
    int hi = upperHexDigit(piece.charAt(3));
    int lo = upperHexDigit(piece.charAt(4));
    return hi < 0 || lo < 0 ? -1 : hi << 4 | lo;
  }

  private static int upperHexDigit(char c) {
    return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
  }
}
