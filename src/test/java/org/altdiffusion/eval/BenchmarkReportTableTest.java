package org.altdiffusion.eval;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;

class BenchmarkReportTableTest {
  @Test
  void theClipFdColumnAppearsOnlyWhenARowHasOne() {
    var plain = List.of(new BenchmarkReport.Row("zh", 4, 30.5, Double.NaN, 2.0, 0.5));
    assertEquals(
        "| language | images | CLIP score | FID | IS |\n|---|---:|---:|---:|---:|\n"
            + "| zh | 4 | 30.50 | n/a | 2.00 ± 0.50 |\n",
        BenchmarkReport.table(plain));
    var withFd =
        List.of(
            new BenchmarkReport.Row("zh", 48, 91.9, Double.NaN, Double.NaN, Double.NaN, 12.345),
            new BenchmarkReport.Row(
                "en", 48, 92.5, Double.NaN, Double.NaN, Double.NaN, Double.NaN));
    assertEquals(
        "| language | images | CLIP score | FID | IS | CLIP-FD |\n|---|---:|---:|---:|---:|---:|\n"
            + "| zh | 48 | 91.90 | n/a | n/a | 12.35 |\n"
            + "| en | 48 | 92.50 | n/a | n/a | n/a |\n",
        BenchmarkReport.table(withFd));
  }

  @Test
  void theBarChartTakesAnyFigure() {
    var rows =
        List.of(
            new BenchmarkReport.Row("zh", 48, 91.9, Double.NaN, Double.NaN, Double.NaN, 3.0),
            new BenchmarkReport.Row("ja", 48, 91.8, Double.NaN, Double.NaN, Double.NaN, 6.0));
    var chart = ReportCharts.barChart("CLIP-FD", rows, BenchmarkReport.Row::clipFd);
    // the taller bar (6.0 of an axis rounded up to 10) reaches higher than the 3.0 bar
    int plotBottom = 50 + 260;
    assertTrue(
        topOfBar(chart, 60 + 16 + 64 + 20, plotBottom) < topOfBar(chart, 60 + 16 + 20, plotBottom));
  }

  private static int topOfBar(java.awt.image.BufferedImage img, int x, int bottom) {
    int y = bottom;
    while (y > 0 && (img.getRGB(x, y - 1) & 0xFFFFFF) == 0x4276BE) y--;
    return y;
  }
}
