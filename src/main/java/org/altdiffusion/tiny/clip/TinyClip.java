package org.altdiffusion.tiny.clip;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.io.CheckpointException;
import org.altdiffusion.io.SafeTensors;
import org.altdiffusion.io.TensorSource;
import org.altdiffusion.models.text.ClipTextModel;
import org.altdiffusion.nn.Init;
import org.altdiffusion.nn.Linear;
import org.altdiffusion.nn.Module;
import org.altdiffusion.nn.Parameter;
import org.altdiffusion.tiny.JsonText;
import org.altdiffusion.tokenizer.ClipTokenizer;
import org.altdiffusion.tokenizer.Encoding;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;

/**
 * The English teacher CLIP of the tiny AltDiffusion: a text tower ({@link ClipTextModel}, the
 * conditioner the tiny UNet cross-attends to, and the target the multilingual student is distilled
 * to), an image tower ({@link TinyImageEncoder}), linear projections of both pooled features into a
 * shared space, and a learned temperature. Trained contrastively by {@link TinyClipTrainer}.
 *
 * <p>Saved as a folder:
 *
 * <pre>
 * config.json                 projection_dim, logit_scale_init_value
 * projections.safetensors     text_projection.weight, visual_projection.weight, logit_scale (CLIPModel's names)
 * text_encoder/               config.json + model.safetensors: transformers' CLIPTextModel
 * image_encoder/              config.json + model.safetensors: TinyImageEncoder
 * tokenizer/                  vocab.json, merges.txt, ...: CLIPTokenizer
 * </pre>
 *
 * <p>Methods that infer ({@link #encodeText}, {@link #encodeImage}, {@link #score}...) run without
 * gradients; {@link #textEmbeds}/{@link #imageEmbeds} record them for training. Tensors returned
 * belong to the caller's {@code PointerScope}.
 */
public final class TinyClip {
  public static final String CONFIG = "config.json";
  public static final String PROJECTIONS = "projections.safetensors";
  public static final String TEXT_ENCODER = "text_encoder";
  public static final String IMAGE_ENCODER = "image_encoder";
  public static final String TOKENIZER = "tokenizer";
  private static final List<String> TOKENIZER_FILES =
      List.of("vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json");
  private static final Map<String, String> FORMAT_PT = Map.of("format", "pt");

  private final TinyClipConfig config;
  private final ClipTokenizer tokenizer;
  private final Map<String, byte[]> tokenizerFiles;
  private final ClipTextModel textModel;
  private final TinyImageEncoder imageEncoder;
  private final Heads heads;

  /** The projections and the temperature, under CLIPModel's names. */
  static final class Heads extends Module {
    final Linear textProjection;
    final Linear visualProjection;
    final Parameter logitScale;
    private final double logitScaleInit;

    Heads(TinyClipConfig c) {
      textProjection =
          child("text_projection", new Linear(c.text().hiddenSize(), c.projectionDim(), false));
      visualProjection =
          child("visual_projection", new Linear(c.image().hiddenSize(), c.projectionDim(), false));
      logitScale = parameter("logit_scale"); // a 0-dim tensor, as in CLIPModel
      logitScaleInit = c.logitScaleInitValue();
    }

    @Override
    protected void initializeSelf(Generator g) {
      logitScale.set(Init.constant(logitScaleInit));
    }
  }

  private TinyClip(
      TinyClipConfig config,
      ClipTokenizer tokenizer,
      Map<String, byte[]> tokenizerFiles,
      ClipTextModel textModel,
      TinyImageEncoder imageEncoder,
      Heads heads) {
    this.config = config;
    this.tokenizer = tokenizer;
    this.tokenizerFiles = tokenizerFiles;
    this.textModel = textModel;
    this.imageEncoder = imageEncoder;
    this.heads = heads;
  }

  /**
   * A freshly initialised teacher with the tokenizer in {@code tokenizerFolder} (a CLIP tokenizer:
   * vocab.json + merges.txt + configs). Weights as torch's defaults, except the embeddings, drawn
   * as transformers' CLIP draws them (token std 0.02, position std 0.01).
   */
  public static TinyClip create(TinyClipConfig config, Path tokenizerFolder, long seed) {
    Map<String, byte[]> files = readTokenizerFiles(tokenizerFolder);
    ClipTokenizer tokenizer = ClipTokenizer.load(tokenizerFolder);
    checkTokenizer(config, tokenizer, tokenizerFolder);
    TinyClip clip =
        new TinyClip(
            config,
            tokenizer,
            files,
            new ClipTextModel(config.text()),
            new TinyImageEncoder(config.image()),
            new Heads(config));
    Generator g = Tensors.generator(seed);
    clip.textModel.initialize(g);
    clip.imageEncoder.initialize(g);
    clip.heads.initialize(g);
    var embeddings = clip.textModel.textModel;
    embeddings.tokenEmbedding.weight.set(
        Init.normal(g, 0.02, embeddings.tokenEmbedding.weight.shape()));
    embeddings.positionEmbedding.weight.set(
        Init.normal(g, 0.01, embeddings.positionEmbedding.weight.shape()));
    return clip;
  }

  /** Loads a folder written by {@link #save}. */
  public static TinyClip load(Path folder) {
    if (!Files.isDirectory(folder))
      throw new CheckpointException(
          folder, "not a folder (expected a teacher CLIP saved by TinyClip.save)");
    TinyClipConfig config = TinyClipConfig.read(folder);
    Path tokenizerFolder = folder.resolve(TOKENIZER);
    ClipTokenizer tokenizer = ClipTokenizer.load(tokenizerFolder);
    checkTokenizer(config, tokenizer, tokenizerFolder);
    ClipTextModel text = ClipTextModel.fromPretrained(folder.resolve(TEXT_ENCODER));
    TinyImageEncoder image = TinyImageEncoder.fromPretrained(folder.resolve(IMAGE_ENCODER));
    Heads heads = new Heads(config);
    try (TensorSource weights = SafeTensors.open(folder.resolve(PROJECTIONS))) {
      heads.load(weights);
    }
    return new TinyClip(config, tokenizer, readTokenizerFiles(tokenizerFolder), text, image, heads);
  }

  /** Writes the folder described above (created if absent; files replaced). */
  public void save(Path folder) {
    try {
      Files.createDirectories(folder.resolve(TEXT_ENCODER));
      Files.createDirectories(folder.resolve(IMAGE_ENCODER));
      Files.createDirectories(folder.resolve(TOKENIZER));
      writeText(folder.resolve(CONFIG), JsonText.of(config.toJson()));
      SafeTensors.write(folder.resolve(PROJECTIONS), heads.stateDict(), FORMAT_PT);
      writeText(
          folder.resolve(TEXT_ENCODER).resolve("config.json"),
          JsonText.of(TinyClipConfig.textConfigJson(config.text())));
      SafeTensors.write(
          folder.resolve(TEXT_ENCODER).resolve("model.safetensors"),
          textModel.stateDict(),
          FORMAT_PT);
      writeText(
          folder.resolve(IMAGE_ENCODER).resolve("config.json"),
          JsonText.of(config.image().toJson()));
      SafeTensors.write(
          folder.resolve(IMAGE_ENCODER).resolve(TinyImageEncoder.WEIGHTS),
          imageEncoder.stateDict(),
          FORMAT_PT);
      for (Map.Entry<String, byte[]> f : new TreeMap<>(tokenizerFiles).entrySet()) {
        Files.write(folder.resolve(TOKENIZER).resolve(f.getKey()), f.getValue());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot save the teacher CLIP into " + folder + ": " + e.getMessage(), e);
    }
  }

  public TinyClipConfig config() {
    return config;
  }

  public ClipTokenizer tokenizer() {
    return tokenizer;
  }

  /** The text tower: what the tiny UNet conditions on and the student is distilled to. */
  public ClipTextModel textModel() {
    return textModel;
  }

  public TinyImageEncoder imageEncoder() {
    return imageEncoder;
  }

  /** The learned temperature (log of the logit multiplier), a 0-dim tensor. */
  public Tensor logitScale() {
    return heads.logitScale.get();
  }

  /**
   * Every parameter under its saved name: {@code text_model.*}, {@code image_encoder.*},
   * projections, logit_scale.
   */
  public Map<String, Parameter> namedParameters() {
    Map<String, Parameter> out = new LinkedHashMap<>();
    textModel.namedParameters().forEach(out::put); // already prefixed "text_model."
    imageEncoder.namedParameters().forEach((k, p) -> out.put("image_encoder." + k, p));
    heads.namedParameters().forEach(out::put);
    return out;
  }

  // ---- text ---------------------------------------------------------------------------------

  /**
   * Token ids and attention mask [B, T] of {@code texts}, padded to the longest (at most
   * model_max_length).
   */
  public Tensor[] tokenizeTrimmed(List<String> texts) {
    List<Encoding> encodings = tokenizer.encodeAll(texts, config.text().maxPositionEmbeddings());
    int longest = 1;
    for (Encoding e : encodings) longest = Math.max(longest, e.length());
    long[] ids = new long[texts.size() * longest];
    long[] mask = new long[texts.size() * longest];
    for (int b = 0; b < texts.size(); b++) {
      System.arraycopy(encodings.get(b).ids(), 0, ids, b * longest, longest);
      System.arraycopy(encodings.get(b).attentionMask(), 0, mask, b * longest, longest);
    }
    // Causal attention: the end token never sees the padding after it, so trimming changes nothing.
    return new Tensor[] {
      Tensors.fromLongs(ids, texts.size(), longest), Tensors.fromLongs(mask, texts.size(), longest)
    };
  }

  /** ids, mask [B, T] -> unit-length text embeddings [B, projection_dim] (with gradients). */
  public Tensor textEmbeds(Tensor ids, Tensor mask) {
    Tensor pooled = textModel.forward(ids, mask).pooled(); // [B, hidden] at the end token
    return unit(heads.textProjection.forward(pooled));
  }

  /**
   * Pooled text vectors [B, hidden] (the teacher's, or a distilled student's standing in for them)
   * -> unit-length text embeddings [B, projection_dim] in the shared space. With gradients.
   */
  public Tensor projectPooledText(Tensor pooled) {
    return unit(heads.textProjection.forward(pooled));
  }

  /** Unit-length text embeddings [B, projection_dim] of {@code texts}, without gradients. */
  public Tensor encodeText(List<String> texts) {
    try (NoGradGuard g = new NoGradGuard()) {
      Tensor[] t = tokenizeTrimmed(texts);
      return textEmbeds(t[0], t[1]);
    }
  }

  /**
   * The pooled text vectors [B, hidden] of {@code texts} (final-LN hidden state at the end token):
   * the distillation target of the multilingual student. Without gradients.
   */
  public Tensor pooledText(List<String> texts) {
    try (NoGradGuard g = new NoGradGuard()) {
      Tensor[] t = tokenizeTrimmed(texts);
      return textModel.forward(t[0], t[1]).pooled();
    }
  }

  /**
   * The last hidden states [B, model_max_length, hidden], padding included: the UNet conditioning.
   * Without gradients.
   */
  public Tensor textHiddenStates(List<String> texts) {
    try (NoGradGuard g = new NoGradGuard()) {
      List<Encoding> enc = tokenizer.encodeAll(texts, config.text().maxPositionEmbeddings());
      long t = config.text().maxPositionEmbeddings();
      return textModel.encode(
          Tensors.fromLongs(Encoding.stackIds(enc), texts.size(), t),
          Tensors.fromLongs(Encoding.stackAttentionMasks(enc), texts.size(), t));
    }
  }

  // ---- images -------------------------------------------------------------------------------

  /**
   * pixels [B, 3, 64, 64] in [-1, 1] -> unit-length image embeddings [B, projection_dim] (with
   * gradients).
   */
  public Tensor imageEmbeds(Tensor pixels) {
    return unit(heads.visualProjection.forward(imageEncoder.forward(pixels)));
  }

  /**
   * pixels [B, 3, 64, 64] in [-1, 1] -> projected image features [B, projection_dim], not
   * normalised (CLIPModel's {@code get_image_features}, the features clean-fid's CLIP-FD takes).
   * Without gradients.
   */
  public Tensor imageFeatures(Tensor pixels) {
    try (NoGradGuard g = new NoGradGuard()) {
      return heads.visualProjection.forward(imageEncoder.forward(pixels));
    }
  }

  /** Unit-length image embeddings [B, projection_dim], without gradients. */
  public Tensor encodeImage(Tensor pixels) {
    try (NoGradGuard g = new NoGradGuard()) {
      return imageEmbeds(pixels);
    }
  }

  /**
   * Cosine similarity of image {@code i} and text {@code i}, for each i: images [B, 3, 64, 64], B
   * texts.
   */
  public float[] scores(Tensor pixels, List<String> texts) {
    if (pixels.size(0) != texts.size()) {
      throw new IllegalArgumentException(
          pixels.size(0) + " images but " + texts.size() + " texts; pass one text per image");
    }
    Tensor image = encodeImage(pixels);
    Tensor text = encodeText(texts);
    return Tensors.toFloats(image.mul(text).sum(new long[] {1}, false, new ScalarTypeOptional()));
  }

  /**
   * Cosine similarity of one picture ([3, 64, 64] floats in [-1, 1], as {@code Sample.pixels()})
   * and one text.
   */
  public double score(float[] pixels, String text) {
    int side = config.image().imageSize();
    return scores(
        Tensors.fromFloats(pixels, 1, config.image().numChannels(), side, side), List.of(text))[0];
  }

  // ---- training -----------------------------------------------------------------------------

  /**
   * The symmetric contrastive loss of a batch: logits {@code exp(logit_scale) * image . text^T} [B,
   * B] (scale capped at 100), cross-entropy of each image over the texts and of each text over the
   * images, averaged. {@code positives} [B, B] (1 where text j describes image i) gives the target
   * distributions: captions that leave out size or position describe several pictures of a batch,
   * so a row or column may have more than one positive (the diagonal always is one).
   */
  public Tensor contrastiveLoss(Tensor pixels, Tensor ids, Tensor mask, Tensor positives) {
    Tensor image = imageEmbeds(pixels); // [B, D]
    Tensor text = textEmbeds(ids, mask); // [B, D]
    Tensor scale = logitScale().exp().clamp_max(new org.bytedeco.pytorch.Scalar(100.0));
    Tensor logits = image.matmul(text.t()).mul(scale); // [B images, B texts]
    Tensor imageToText =
        positives.div(
            positives.sum(new long[] {1}, true, new ScalarTypeOptional())); // rows sum to 1
    Tensor textToImage =
        positives.div(
            positives.sum(new long[] {0}, true, new ScalarTypeOptional())); // columns sum to 1
    Tensor lossImages =
        imageToText
            .mul(logits.log_softmax(1))
            .sum()
            .neg()
            .div(new org.bytedeco.pytorch.Scalar(logits.size(0)));
    Tensor lossTexts =
        textToImage
            .mul(logits.log_softmax(0))
            .sum()
            .neg()
            .div(new org.bytedeco.pytorch.Scalar(logits.size(1)));
    return lossImages.add(lossTexts).div(new org.bytedeco.pytorch.Scalar(2.0));
  }

  // ---- helpers ------------------------------------------------------------------------------

  /** x / |x| along the last dimension. */
  private static Tensor unit(Tensor x) {
    Tensor norm =
        x.pow(new org.bytedeco.pytorch.Scalar(2))
            .sum(new long[] {-1}, true, new ScalarTypeOptional())
            .add(new org.bytedeco.pytorch.Scalar(1e-12))
            .sqrt(); // [B, 1]
    return x.div(norm);
  }

  private static void checkTokenizer(TinyClipConfig config, ClipTokenizer tokenizer, Path folder) {
    if (tokenizer.eosId() != config.text().eosTokenId()
        || tokenizer.bosId() != config.text().bosTokenId()) {
      throw new CheckpointException(
          folder,
          "tokenizer start/end ids "
              + tokenizer.bosId()
              + "/"
              + tokenizer.eosId()
              + " differ from the text encoder's bos_token_id/eos_token_id "
              + config.text().bosTokenId()
              + "/"
              + config.text().eosTokenId());
    }
    if (tokenizer.eosId() >= config.text().vocabSize()) {
      throw new CheckpointException(
          folder,
          "tokenizer ids reach "
              + tokenizer.eosId()
              + " but the text encoder has "
              + config.text().vocabSize()
              + " embeddings");
    }
  }

  private static Map<String, byte[]> readTokenizerFiles(Path folder) {
    Map<String, byte[]> out = new LinkedHashMap<>();
    for (String name : TOKENIZER_FILES) {
      Path f = folder.resolve(name);
      try {
        out.put(name, Files.readAllBytes(f));
      } catch (NoSuchFileException e) {
        if (name.equals("vocab.json") || name.equals("merges.txt"))
          throw new CheckpointException(f, "file not found (a CLIP tokenizer folder is expected)");
      } catch (IOException e) {
        throw new CheckpointException(f, "cannot read: " + e.getMessage(), e);
      }
    }
    return out;
  }

  private static void writeText(Path file, String text) throws IOException {
    Files.writeString(file, text, StandardCharsets.UTF_8);
  }

  /**
   * Whether weight decay applies: to weight matrices and kernels, not to biases, norms, embeddings
   * or the temperature.
   */
  static boolean decays(String name, Parameter p) {
    return p.shape().length >= 2 && !name.contains("embedding");
  }

  /** Parameters grouped for AdamW: {decayed, not decayed}. */
  List<List<Parameter>> parameterGroups() {
    List<Parameter> decayed = new ArrayList<>();
    List<Parameter> plain = new ArrayList<>();
    namedParameters().forEach((k, p) -> (decays(k, p) ? decayed : plain).add(p));
    return List.of(decayed, plain);
  }
}
