package org.altdiffusion.io.keys.formats;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The LDM names of single files, on names whose mapping the original code fixes. */
class LdmSingleFileTest {
  @Test
  void vaeNamesAsTheOriginalCode() {
    List<String> names =
        List.of(
            "encoder.down_blocks.1.resnets.0.conv_shortcut.weight",
            "encoder.down_blocks.0.downsamplers.0.conv.bias",
            "encoder.conv_norm_out.weight",
            "decoder.up_blocks.0.resnets.2.norm1.weight",
            "decoder.up_blocks.2.upsamplers.0.conv.weight",
            "decoder.mid_block.resnets.1.conv2.weight",
            "decoder.mid_block.attentions.0.to_out.0.weight",
            "encoder.mid_block.attentions.0.group_norm.bias",
            "quant_conv.weight");
    Map<String, String> ldm = LdmSingleFile.vaeNames(names, LdmSingleFile.VAE, 4);
    String p = LdmSingleFile.VAE;
    assertEquals(p + "encoder.down.1.block.0.nin_shortcut.weight", ldm.get(names.get(0)));
    assertEquals(p + "encoder.down.0.downsample.conv.bias", ldm.get(names.get(1)));
    assertEquals(p + "encoder.norm_out.weight", ldm.get(names.get(2)));
    assertEquals(p + "decoder.up.3.block.2.norm1.weight", ldm.get(names.get(3)));
    assertEquals(p + "decoder.up.1.upsample.conv.weight", ldm.get(names.get(4)));
    assertEquals(p + "decoder.mid.block_2.conv2.weight", ldm.get(names.get(5)));
    assertEquals(p + "decoder.mid.attn_1.proj_out.weight", ldm.get(names.get(6)));
    assertEquals(p + "encoder.mid.attn_1.norm.bias", ldm.get(names.get(7)));
    assertEquals(p + "quant_conv.weight", ldm.get(names.get(8)));
    assertTrue(LdmSingleFile.isVaeAttentionWeight(names.get(6)));
    assertFalse(LdmSingleFile.isVaeAttentionWeight(names.get(7)));
  }

  @Test
  void unetNamesAndTheirEmaCopies() {
    List<String> names =
        List.of(
            "conv_in.weight",
            "down_blocks.0.resnets.1.conv1.weight",
            "down_blocks.0.attentions.1.proj_in.weight",
            "down_blocks.0.downsamplers.0.conv.weight",
            "down_blocks.1.resnets.0.conv1.weight",
            "mid_block.resnets.1.time_emb_proj.weight",
            "up_blocks.1.attentions.2.transformer_blocks.0.attn2.to_k.weight",
            "up_blocks.1.resnets.2.conv1.weight",
            "up_blocks.0.upsamplers.0.conv.weight");
    Map<String, String> ldm = LdmSingleFile.unetNames(names);
    String p = LdmSingleFile.UNET;
    assertEquals(p + "input_blocks.0.0.weight", ldm.get(names.get(0)));
    assertEquals(p + "input_blocks.2.0.in_layers.2.weight", ldm.get(names.get(1)));
    assertEquals(p + "input_blocks.2.1.proj_in.weight", ldm.get(names.get(2)));
    assertEquals(p + "input_blocks.3.0.op.weight", ldm.get(names.get(3)));
    assertEquals(p + "input_blocks.4.0.in_layers.2.weight", ldm.get(names.get(4)));
    assertEquals(p + "middle_block.2.emb_layers.1.weight", ldm.get(names.get(5)));
    assertEquals(
        p + "output_blocks.5.1.transformer_blocks.0.attn2.to_k.weight", ldm.get(names.get(6)));
    assertEquals(p + "output_blocks.5.0.in_layers.2.weight", ldm.get(names.get(7)));
    assertEquals(p + "output_blocks.2.1.conv.weight", ldm.get(names.get(8)));
    assertEquals(
        "model_ema.diffusion_modelinput_blocks00weight",
        LdmSingleFile.emaKey(p + "input_blocks.0.0.weight"));
  }
}
