package org.altdiffusion.io.keys;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.engine.Torch;
import org.altdiffusion.io.TensorSource;
import org.altdiffusion.io.keys.formats.DiffusersLegacyVaeAttention;
import org.altdiffusion.nn.Linear;
import org.altdiffusion.nn.Module;
import org.altdiffusion.nn.StateDictException;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class KeyMappingTest {
  @BeforeAll
  static void init() {
    Torch.init();
  }

  /** A source that logs every access to names' shapes and values. */
  static final class Recording implements TensorSource {
    final TensorSource inner;
    final List<String> calls = new ArrayList<>();
    boolean closed;

    Recording(Map<String, Tensor> tensors) {
      inner = TensorSource.of(tensors);
    }

    @Override
    public Set<String> keys() {
      return inner.keys();
    }

    @Override
    public long[] shape(String key) {
      calls.add("shape " + key);
      return inner.shape(key);
    }

    @Override
    public String dtype(String key) {
      calls.add("dtype " + key);
      return inner.dtype(key);
    }

    @Override
    public Tensor load(String key) {
      calls.add("load " + key);
      return inner.load(key);
    }

    @Override
    public Tensor loadRaw(String key) {
      calls.add("loadRaw " + key);
      return inner.loadRaw(key);
    }

    @Override
    public void close() {
      closed = true;
    }
  }

  static Tensor filled(float start, long... shape) {
    int n = (int) Tensors.numel(shape);
    float[] v = new float[n];
    for (int i = 0; i < n; i++) v[i] = start + i;
    return Tensors.fromFloats(v, shape);
  }

  static Map<String, Tensor> tensors(String... keys) {
    Map<String, Tensor> m = new LinkedHashMap<>();
    for (int i = 0; i < keys.length; i++) m.put(keys[i], filled(10 * i, 2));
    return m;
  }

  @Test
  void prefixSelectsAndStrips() {
    Recording src =
        new Recording(
            tensors(
                "model.diffusion_model.input_blocks.0.0.weight",
                "first_stage_model.encoder.conv_in.weight",
                "first_stage_model.decoder.conv_out.bias",
                "cond_stage_model.transformer.x"));
    RenamedSource view =
        (RenamedSource)
            KeyMapping.builder("vae of ldm").under("first_stage_model.").build().apply(src);
    assertEquals(
        List.of("encoder.conv_in.weight", "decoder.conv_out.bias"), List.copyOf(view.keys()));
    assertEquals(
        List.of("model.diffusion_model.input_blocks.0.0.weight", "cond_stage_model.transformer.x"),
        view.outside());
    assertEquals(
        "first_stage_model.encoder.conv_in.weight", view.storedKey("encoder.conv_in.weight"));
    assertEquals(
        List.of("decoder.conv_out.bias"), view.namesOf("first_stage_model.decoder.conv_out.bias"));
    assertEquals(20f, Tensors.toFloats(view.load("decoder.conv_out.bias"))[0]);
    assertEquals(List.of("load first_stage_model.decoder.conv_out.bias"), src.calls);
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> view.load("first_stage_model.decoder.conv_out.bias"));
    assertTrue(
        e.getMessage().contains("is a stored key, seen as 'decoder.conv_out.bias'"),
        e.getMessage());
    view.close();
    assertTrue(src.closed, "closing the view closes the source");
  }

  @Test
  void rulesApplyInOrderFirstWins() {
    KeyMapping table =
        KeyMapping.builder("order")
            .exact("mid.attn_1.q.weight", "special")
            .prefix("mid.attn_1.", "mid_block.attentions.0.")
            .regex("down\\.(\\d+)\\.block\\.(\\d+)\\.(.*)", "down_blocks.$1.resnets.$2.$3")
            .regex("(?<side>up|down)\\.(\\d+)\\.(.*)", "${side}_blocks.$2.other.$3")
            .rule(Rule.function("upper case", k -> k.startsWith("UP") ? k.toLowerCase() : null))
            .build();
    TensorSource view =
        table.apply(
            TensorSource.of(
                tensors(
                    "mid.attn_1.q.weight",
                    "mid.attn_1.k.weight",
                    "down.1.block.0.conv1.weight",
                    "down.1.downsample.conv.weight",
                    "UP.X",
                    "conv_in.weight")));
    assertEquals(
        List.of(
            "special",
            "mid_block.attentions.0.k.weight",
            "down_blocks.1.resnets.0.conv1.weight",
            "down_blocks.1.other.downsample.conv.weight",
            "up.x",
            "conv_in.weight"),
        List.copyOf(view.keys()));
    assertEquals(
        "down.1.block.0.conv1.weight", view.storedKey("down_blocks.1.resnets.0.conv1.weight"));
    assertEquals("conv_in.weight", view.storedKey("conv_in.weight"));
    assertEquals(5, table.rules().size());
    assertTrue(table.rules().get(1).description().contains("prefix 'mid.attn_1.'"));
  }

  @Test
  void collisionNamesBothStoredKeysAndTheTarget() {
    KeyMapping table =
        KeyMapping.builder("legacy").regex("(.*)\\.query\\.(weight|bias)", "$1.to_q.$2").build();
    Map<String, Tensor> m = tensors("attn.query.weight", "attn.to_q.weight", "attn.query.bias");
    var e = assertThrows(KeyMappingException.class, () -> table.apply(TensorSource.of(m)));
    assertTrue(e instanceof IllegalArgumentException);
    String msg = e.getMessage();
    assertTrue(msg.contains("both 'attn.query.weight'"), msg);
    assertTrue(msg.contains("'attn.to_q.weight' (kept as is)"), msg);
    assertTrue(msg.contains("for weight 'attn.to_q.weight'"), msg);
    assertTrue(msg.contains("regex '(.*)\\.query"), msg);
    assertTrue(msg.contains("key mapping 'legacy'"), msg);

    // two rules onto one name, behind a prefix: the message shows the keys in the file
    KeyMapping chained =
        KeyMapping.builder("select")
            .under("first_stage_model.")
            .build()
            .andThen(KeyMapping.builder("two rules").exact("a", "x").exact("b", "x").build());
    var e2 =
        assertThrows(
            KeyMappingException.class,
            () ->
                chained.apply(
                    TensorSource.of(tensors("first_stage_model.a", "first_stage_model.b"))));
    assertTrue(
        e2.getMessage()
            .contains(
                "both 'a' (stored as 'first_stage_model.a') (by exact 'a' -> 'x') and 'b'"
                    + " (stored as 'first_stage_model.b') (by exact 'b' -> 'x') for weight 'x'"),
        e2.getMessage());
    assertEquals("select then two rules", chained.name());
  }

  @Test
  void unmappedKeysAreKeptDroppedOrReported() {
    Map<String, Tensor> m = tensors("pre.known", "pre.unknown1", "pre.model_ema.x", "pre.unknown2");
    KeyMapping.Builder b =
        KeyMapping.builder("strict").under("pre.").exact("known", "k").drop("model_ema\\..*");
    RenamedSource kept = (RenamedSource) b.build().apply(TensorSource.of(m));
    assertEquals(List.of("k", "unknown1", "unknown2"), List.copyOf(kept.keys()));
    assertEquals(List.of("pre.unknown1", "pre.unknown2"), kept.unmapped());
    assertEquals(List.of("pre.model_ema.x"), kept.dropped());
    var e = assertThrows(IllegalArgumentException.class, () -> kept.shape("model_ema.x"));
    assertTrue(e.getMessage().contains("no tensor named 'model_ema.x'"), e.getMessage());

    RenamedSource dropped =
        (RenamedSource) b.unmapped(KeyMapping.Unmapped.DROP).build().apply(TensorSource.of(m));
    assertEquals(List.of("k"), List.copyOf(dropped.keys()));
    assertEquals(List.of("pre.unknown1", "pre.unknown2"), dropped.unmapped());

    var f =
        assertThrows(
            KeyMappingException.class,
            () -> b.unmapped(KeyMapping.Unmapped.FAIL).build().apply(TensorSource.of(m)));
    assertTrue(
        f.getMessage().contains("2 stored keys under 'pre.' match no rule:\n    'pre.unknown1'\n"),
        f.getMessage());
  }

  @Test
  void viewIsLazy() {
    Recording src =
        new Recording(
            tensors(
                "vae.mid.attn_1.q.weight",
                "vae.mid.attn_1.q.bias",
                "vae.unknown",
                "vae.model_ema.decay",
                "unet.input_blocks.0.0.weight"));
    AtomicInteger transformed = new AtomicInteger();
    ValueTransform counting =
        ValueTransform.of(
            "counting",
            s -> new long[] {1, s[0]},
            (t, s) -> {
              transformed.incrementAndGet();
              return t.reshape(s);
            });
    KeyMapping table =
        KeyMapping.builder("lazy")
            .under("vae.")
            .regex("mid\\.attn_1\\.q\\.(weight|bias)", "mid_block.attentions.0.to_q.$1", counting)
            .drop("model_ema\\..*")
            .build();
    TensorSource view = table.apply(src);
    assertEquals(List.of(), src.calls, "building the view reads no shape and no value");
    assertArrayEquals(new long[] {1, 2}, view.shape("mid_block.attentions.0.to_q.weight"));
    assertEquals("F32", view.dtype("mid_block.attentions.0.to_q.bias"));
    assertEquals(0, transformed.get(), "shapes come from the shape function alone");
    Tensor w = view.load("mid_block.attentions.0.to_q.weight");
    assertArrayEquals(new long[] {1, 2}, w.sizes().vec().get());
    assertEquals(1, transformed.get());
    assertEquals(
        List.of(
            "shape vae.mid.attn_1.q.weight",
            "dtype vae.mid.attn_1.q.bias",
            "load vae.mid.attn_1.q.weight"),
        src.calls);

    // strict loading through the view touches exactly the keys the module has
    src.calls.clear();
    Module m =
        new Module() {
          {
            child("to_q", new Linear(2, 1));
          }
        };
    KeyMapping onlyQ =
        KeyMapping.builder("q only")
            .under("vae.mid.attn_1.")
            .regex("q\\.(weight|bias)", "to_q.$1")
            .unmapped(KeyMapping.Unmapped.DROP)
            .build();
    Map<String, Tensor> t = new LinkedHashMap<>();
    t.put("vae.mid.attn_1.q.weight", filled(1, 1, 2));
    t.put("vae.mid.attn_1.q.bias", filled(5, 1));
    t.put("vae.mid.attn_1.k.weight", filled(0, 1, 2));
    t.put("vae.other", filled(0, 3));
    Recording src2 = new Recording(t);
    m.load(onlyQ.apply(src2));
    assertEquals(
        List.of(
            "shape vae.mid.attn_1.q.weight",
            "shape vae.mid.attn_1.q.bias",
            "load vae.mid.attn_1.q.weight",
            "load vae.mid.attn_1.q.bias"),
        src2.calls);
    assertArrayEquals(
        new float[] {1, 2}, Tensors.toFloats(m.find("to_q").ownParameters().get("weight").get()));
  }

  @Test
  void conv1x1ToLinearReshapesLazilyAndKeepsTheDtype() {
    Map<String, Tensor> m = new LinkedHashMap<>();
    m.put("attn.q.weight", filled(0, 3, 3, 1, 1));
    m.put("attn.q.bias", filled(0, 3));
    m.put("attn.k.weight", filled(0, 3, 3).to(torch.ScalarType.Half)); // already linear
    m.put("attn.v.weight", filled(0, 3, 3, 3, 3)); // not a 1x1 conv: passes unchanged
    TensorSource view =
        KeyMapping.builder("ldm attention")
            .regex("attn\\.([qkv])\\.(weight|bias)", "to_$1.$2", ValueTransform.conv1x1ToLinear())
            .build()
            .apply(TensorSource.of(m));
    assertArrayEquals(new long[] {3, 3}, view.shape("to_q.weight"));
    assertArrayEquals(new long[] {3}, view.shape("to_q.bias"));
    assertArrayEquals(new long[] {3, 3}, view.shape("to_k.weight"));
    assertArrayEquals(new long[] {3, 3, 3, 3}, view.shape("to_v.weight"));
    Tensor q = view.load("to_q.weight");
    assertArrayEquals(new long[] {3, 3}, q.sizes().vec().get());
    assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5, 6, 7, 8}, Tensors.toFloats(q));
    assertEquals("F16", view.dtype("to_k.weight"));
    assertEquals(torch.ScalarType.Half.value, view.loadRaw("to_k.weight").scalar_type().value);
    assertEquals(torch.ScalarType.Float.value, view.load("to_k.weight").scalar_type().value);

    Tensor back = ValueTransform.linearToConv1x1().apply(q);
    assertArrayEquals(new long[] {3, 3, 1, 1}, back.sizes().vec().get());

    // the unfit shape reaches strict loading, which names the stored key next to the name
    Module attn =
        new Module() {
          {
            child("to_v", new Linear(3, 3));
          }
        };
    Map<String, Tensor> v = new LinkedHashMap<>();
    v.put("attn.v.weight", filled(0, 3, 3, 3, 3));
    v.put("attn.v.bias", filled(0, 3));
    v.put("attn.extra", filled(0, 3));
    TensorSource vView =
        KeyMapping.builder("ldm attention")
            .regex("attn\\.v\\.(weight|bias)", "to_v.$1", ValueTransform.conv1x1ToLinear())
            .prefix("attn.", "renamed.")
            .build()
            .apply(TensorSource.of(v));
    StateDictException e = assertThrows(StateDictException.class, () -> attn.load(vView));
    assertEquals(List.of("renamed.extra"), e.unexpected());
    assertTrue(
        e.wrongShape()
            .get(0)
            .startsWith(
                "to_v.weight (stored as 'attn.v.weight'): checkpoint [3, 3, 3, 3], model [3, 3]"),
        e.getMessage());
    assertTrue(e.getMessage().contains("renamed.extra (stored as 'attn.extra')"), e.getMessage());
  }

  @Test
  void transformFailuresNameBothKeys() {
    ValueTransform broken =
        ValueTransform.of(
            "broken",
            s -> new long[] {s[0] + 1},
            (t, s) -> {
              throw new IllegalStateException("boom");
            });
    TensorSource view =
        KeyMapping.builder("bad")
            .regex("a", "b", broken)
            .build()
            .apply(TensorSource.of(tensors("a")));
    var e = assertThrows(KeyMappingException.class, () -> view.load("b"));
    assertTrue(
        e.getMessage().contains("cannot read 'b' from 'a' of shape [2] (broken): boom"),
        e.getMessage());
  }

  @Test
  void splitFeedsSeveralTargetsFromOneFusedTensor() {
    Map<String, Tensor> m = new LinkedHashMap<>();
    m.put("resblocks.0.attn.in_proj_weight", filled(0, 6, 2));
    m.put("resblocks.0.attn.in_proj_bias", filled(100, 6));
    TensorSource view =
        KeyMapping.builder("open_clip")
            .rule(
                Rule.split(
                    "resblocks\\.(\\d+)\\.attn\\.(in|bad)_proj_(weight|bias)",
                    "layers.$1.q_proj.$3",
                    "layers.$1.k_proj.$3",
                    "layers.$1.v_proj.$3"))
            .build()
            .apply(TensorSource.of(m));
    assertEquals(
        List.of(
            "layers.0.q_proj.weight",
            "layers.0.k_proj.weight",
            "layers.0.v_proj.weight",
            "layers.0.q_proj.bias",
            "layers.0.k_proj.bias",
            "layers.0.v_proj.bias"),
        List.copyOf(view.keys()).subList(0, 6));
    assertArrayEquals(new long[] {2, 2}, view.shape("layers.0.k_proj.weight"));
    assertArrayEquals(
        new float[] {8, 9, 10, 11}, Tensors.toFloats(view.load("layers.0.v_proj.weight")));
    assertArrayEquals(new float[] {102, 103}, Tensors.toFloats(view.load("layers.0.k_proj.bias")));
    assertEquals("resblocks.0.attn.in_proj_bias", view.storedKey("layers.0.v_proj.bias"));
  }

  @Test
  void splitTargetsAreCheckedForCollisionsToo() {
    // 'bad' and 'in' both produce layers.0.{q,k,v}_proj.weight
    Map<String, Tensor> m = new LinkedHashMap<>();
    m.put("resblocks.0.attn.in_proj_weight", filled(0, 6, 2));
    m.put("resblocks.0.attn.bad_proj_weight", filled(0, 5, 2));
    KeyMapping table =
        KeyMapping.builder("open_clip")
            .rule(
                Rule.split(
                    "resblocks\\.(\\d+)\\.attn\\.(in|bad)_proj_(weight|bias)",
                    "layers.$1.q_proj.$3",
                    "layers.$1.k_proj.$3",
                    "layers.$1.v_proj.$3"))
            .build();
    var e = assertThrows(KeyMappingException.class, () -> table.apply(TensorSource.of(m)));
    assertTrue(e.getMessage().contains("for weight 'layers.0.q_proj.weight'"), e.getMessage());
    assertArrayEquals(new long[] {5, 2}, ValueTransform.chunk(0, 1, 3).shape(new long[] {5, 2}));
  }

  @Test
  void aTableThatChangesNothingReturnsTheSource() {
    TensorSource src = TensorSource.of(tensors("encoder.conv_in.weight", "decoder.conv_out.bias"));
    assertSame(src, DiffusersLegacyVaeAttention.TABLE.apply(src));
    assertSame(src, KeyMapping.builder("noop").exact("nothing", "here").build().apply(src));
    assertNotSame(src, KeyMapping.builder("drop").drop("decoder\\..*").build().apply(src));
  }

  @Test
  void legacyVaeAttentionTable() {
    TensorSource view =
        DiffusersLegacyVaeAttention.TABLE.apply(
            TensorSource.of(
                tensors(
                    "encoder.mid_block.attentions.0.query.weight",
                    "encoder.mid_block.attentions.0.key.bias",
                    "decoder.mid_block.attentions.0.value.weight",
                    "decoder.mid_block.attentions.0.proj_attn.bias",
                    "decoder.mid_block.attentions.0.group_norm.weight",
                    "decoder.up_blocks.0.attentions.0.query.weight")));
    assertEquals(
        List.of(
            "encoder.mid_block.attentions.0.to_q.weight",
            "encoder.mid_block.attentions.0.to_k.bias",
            "decoder.mid_block.attentions.0.to_v.weight",
            "decoder.mid_block.attentions.0.to_out.0.bias",
            "decoder.mid_block.attentions.0.group_norm.weight",
            "decoder.up_blocks.0.attentions.0.query.weight"),
        List.copyOf(view.keys()));
  }

  @Test
  void badRuleArguments() {
    assertThrows(IllegalArgumentException.class, () -> Rule.split("x", "only one"));
    assertThrows(IllegalArgumentException.class, () -> ValueTransform.chunk(0, 3, 3));
    assertThrows(java.util.regex.PatternSyntaxException.class, () -> Rule.regex("(", "x"));
  }
}
