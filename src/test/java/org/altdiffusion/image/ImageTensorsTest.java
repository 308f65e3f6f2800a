package org.altdiffusion.image;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.image.BufferedImage;
import org.altdiffusion.engine.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

/** Pictures to and from the VAE's tensors, bit for bit as diffusers' VaeImageProcessor. */
class ImageTensorsTest {
  @Test
  void preprocessIsDiffusersBitForBit() {
    JsonNode c = ImageFixtures.section("tensors").get("pre");
    BufferedImage img = ImageFixtures.image(ImageFixtures.u8(c.get("input")), 16, 16, 3);
    Tensor t = ImageTensors.toTensor(img);
    assertArrayEquals(new long[] {1, 3, 16, 16}, Tensors.shape(t));
    assertArrayEquals(ImageFixtures.f32(c.get("expected")), Tensors.toFloats(t), 0f);
    assertArrayEquals(ImageFixtures.f32(c.get("expected")), Pixels.normalized(img), 0f);
  }

  @Test
  void postprocessIsDiffusersBitForBit() {
    JsonNode c = ImageFixtures.section("tensors").get("post");
    float[] chw = ImageFixtures.f32(c.get("input"));
    BufferedImage img = ImageTensors.toImage(Tensors.fromFloats(chw, 3, 8, 8));
    assertEquals(BufferedImage.TYPE_INT_RGB, img.getType());
    assertNull(
        ImageFixtures.firstDifference(ImageFixtures.u8(c.get("expected")), ImageFixtures.rgb(img)));
  }

  @Test
  void roundingIsHalfToEven() {
    assertEquals(0, ImageTensors.to8bit(0.5f / 255)); // 0.5 -> 0
    assertEquals(2, ImageTensors.to8bit(1.5f / 255)); // 1.5 -> 2
    assertEquals(255, ImageTensors.to8bit(1f));
    assertEquals(0, ImageTensors.to8bit(0f));
  }

  @Test
  void refusesTensorsThatAreNotOneRgbImage() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> ImageTensors.toImage(Tensors.fromFloats(new float[8], 2, 2, 2)));
    assertEquals("expected an image tensor [3, H, W], got [2, 2, 2]", e.getMessage());
  }

  @Test
  void packedPixelsGoToChannelPlanesAtAnOffset() {
    float[] out = new float[1 + 6];
    Pixels.normalized(new int[] {0xFF0080, 0x00FF00}, out, 1);
    assertArrayEquals(
        new float[] {0, 1, -1, -1, 1, 128 / 127.5f - 1, -1}, out, 0f, "R R, G G, B B after 1");
  }
}
