package org.altdiffusion.nn;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.altdiffusion.models.Fixtures;
import org.altdiffusion.models.blocks.SpatialSelfAttention;
import org.altdiffusion.models.text.ClipTextConfig;
import org.altdiffusion.models.text.ClipTextModel;
import org.altdiffusion.models.text.ClipTextModelWithProjection;
import org.altdiffusion.models.text.RobertaSeriesConfig;
import org.altdiffusion.models.text.RobertaSeriesModelWithTransformation;
import org.altdiffusion.models.unet.UNet2DConditionConfig;
import org.altdiffusion.models.unet.UNet2DConditionModel;
import org.altdiffusion.models.vae.AutoencoderKL;
import org.altdiffusion.models.vae.AutoencoderKLConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Module#namedModules()} and {@link Module#find} on the real models (built from configs,
 * weights never loaded): module paths agree with the state-dict names, as PyTorch's {@code
 * named_modules} agree with {@code state_dict}.
 */
class ModulePathsTest {
  static Map<String, Module> models(Path tmp) throws Exception {
    Map<String, Module> out = new LinkedHashMap<>();
    Path empty = tmp.resolve("config.json");
    Files.writeString(empty, "{}");
    out.put(
        "unet default (SD 1.x size)", new UNet2DConditionModel(UNet2DConditionConfig.read(empty)));
    for (String f : List.of("sd1", "sd2", "inpaint", "misc")) {
      out.put(
          "unet " + f,
          new UNet2DConditionModel(
              UNet2DConditionConfig.read(Fixtures.dir("unet/" + f).resolve("config.json"))));
    }
    out.put("vae default", new AutoencoderKL(AutoencoderKLConfig.read(empty)));
    for (String f : List.of("tiny", "plain")) {
      out.put(
          "vae " + f,
          new AutoencoderKL(
              AutoencoderKLConfig.read(Fixtures.dir("vae/" + f).resolve("config.json"))));
    }
    for (String f : List.of("clip_quick", "clip_gelu")) {
      out.put(
          "clip " + f,
          new ClipTextModel(ClipTextConfig.read(Fixtures.dir("text/" + f).resolve("config.json"))));
    }
    out.put(
        "clip_proj",
        new ClipTextModelWithProjection(
            ClipTextConfig.read(Fixtures.dir("text/clip_proj").resolve("config.json"))));
    for (String f : List.of("m9", "m18")) {
      out.put(
          "roberta " + f,
          new RobertaSeriesModelWithTransformation(
              RobertaSeriesConfig.read(Fixtures.dir("text/" + f).resolve("config.json"))));
    }
    return out;
  }

  @Test
  void everyParameterIsAnOwnParameterOfTheModuleAtItsPath(@TempDir Path tmp) throws Exception {
    for (var model : models(tmp).entrySet()) {
      Module root = model.getValue();
      Map<String, Module> modules = root.namedModules();
      Map<String, Parameter> params = root.namedParameters();
      assertFalse(params.isEmpty(), model.getKey());
      Set<String> owners = new HashSet<>();
      for (var p : params.entrySet()) {
        String name = p.getKey();
        int dot = name.lastIndexOf('.');
        String path = dot < 0 ? "" : name.substring(0, dot);
        String own = name.substring(dot + 1);
        Module m = root.find(path);
        assertSame(p.getValue(), m.ownParameters().get(own), model.getKey() + ": " + name);
        assertSame(m, modules.get(path), model.getKey() + ": " + path);
        owners.add(path);
      }
      // every module holding parameters is listed; every listed path resolves to itself
      for (var e : modules.entrySet()) {
        assertSame(e.getValue(), root.find(e.getKey()), model.getKey() + ": " + e.getKey());
        assertEquals(
            !e.getValue().ownParameters().isEmpty(),
            owners.contains(e.getKey()),
            model.getKey() + ": " + e.getKey());
      }
      // the parameters of the subtree at a path are the state-dict keys under "path."
      for (String path : List.copyOf(modules.keySet()).subList(0, Math.min(40, modules.size()))) {
        String prefix = path.isEmpty() ? "" : path + ".";
        List<String> expected =
            params.keySet().stream()
                .filter(k -> k.startsWith(prefix))
                .map(k -> k.substring(prefix.length()))
                .toList();
        assertEquals(
            expected,
            List.copyOf(root.find(path).namedParameters().keySet()),
            model.getKey() + ": " + path);
      }
    }
  }

  @Test
  void pathsAreDiffusersNamedModules(@TempDir Path tmp) throws Exception {
    Module unet = models(tmp).get("unet default (SD 1.x size)");
    Map<String, Module> modules = unet.namedModules();
    List<String> first = List.copyOf(modules.keySet()).subList(0, 4);
    // as named_modules() in diffusers, less the modules without parameters (time_proj, act, ...),
    // which are not modules here
    assertEquals(List.of("", "conv_in", "time_embedding", "time_embedding.linear_1"), first);
    Linear q =
        unet.find("down_blocks.0.attentions.1.transformer_blocks.0.attn1.to_q", Linear.class);
    assertSame(
        unet.namedParameters()
            .get("down_blocks.0.attentions.1.transformer_blocks.0.attn1.to_q.weight"),
        q.ownParameters().get("weight"));
    assertTrue(modules.containsKey("up_blocks.3.attentions.2.transformer_blocks.0.attn2.to_out.0"));
    assertTrue(modules.containsKey("mid_block.resnets.1.conv2"));
    assertSame(unet, unet.find(""));

    Module vae = models(tmp).get("vae tiny");
    assertTrue(
        vae.find("decoder.mid_block.attentions.0") instanceof SpatialSelfAttention,
        "the legacy-attention modules diffusers converts");
  }

  @Test
  void badPathsNameTheNearestModuleAndItsChildren(@TempDir Path tmp) throws Exception {
    Module unet = models(tmp).get("unet sd1");
    var e =
        assertThrows(
            IllegalArgumentException.class, () -> unet.find("down_blocks.0.attentions.7.proj_in"));
    String msg = e.getMessage();
    assertTrue(msg.contains("has no module 'down_blocks.0.attentions.7.proj_in'"), msg);
    assertTrue(msg.contains("'down_blocks.0.attentions' (ModuleList) has no child '7'"), msg);
    assertTrue(msg.contains("(its children: 0"), msg);

    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> unet.find("down_blocks.0.attentions.0.proj_in.weight"));
    assertTrue(
        e.getMessage()
            .contains("'weight' is a parameter of 'down_blocks.0.attentions.0.proj_in' (Conv2d)"),
        e.getMessage());

    e = assertThrows(IllegalArgumentException.class, () -> unet.find("no_such_block"));
    assertTrue(
        e.getMessage()
            .contains("the model itself (UNet2DConditionModel) has no child 'no_such_block'"),
        e.getMessage());
    assertTrue(
        e.getMessage().contains("its children: conv_in, time_embedding, down_blocks"),
        e.getMessage());

    e = assertThrows(IllegalArgumentException.class, () -> unet.find("down_blocks..resnets"));
    assertTrue(e.getMessage().contains("empty part"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> unet.find("conv_in."));

    e = assertThrows(IllegalArgumentException.class, () -> unet.find("conv_in", Linear.class));
    assertTrue(e.getMessage().contains("'conv_in' is a Conv2d, not a Linear"), e.getMessage());
  }
}
