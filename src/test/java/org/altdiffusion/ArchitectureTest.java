package org.altdiffusion;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The package dependency rules of the main code (src/main/java only: test classes are not
 * imported), checked by ArchUnit on the compiled classes, so every kind of use counts (imports,
 * fully qualified names, field and method types, annotations, constants inlined or not).
 *
 * <p>The layering: generic code (engine, io, nn, models, tokenizer, schedulers, pipeline, train)
 * knows neither the demo model ({@code tiny}) nor the front ends ({@code server}, {@code app});
 * {@code tiny} builds on generic code; {@code server} builds on generic code; {@code app}, the
 * command line, may use everything. Each rule fails the build with the offending classes and lines.
 */
@AnalyzeClasses(
    packages = "org.altdiffusion",
    importOptions = {ImportOption.DoNotIncludeTests.class, ImportOption.DoNotIncludeJars.class})
class ArchitectureTest {

  /** tiny is the built-in demo (shapes dataset, its recipe, its teacher): only app may use it. */
  @ArchTest
  static final ArchRule onlyAppUsesTheDemo =
      noClasses()
          .that()
          .resideOutsideOfPackages("org.altdiffusion.tiny..", "org.altdiffusion.app..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage("org.altdiffusion.tiny..")
          .because("tiny is the demo model; generic code must not know it");

  /** The HTTP server is a front end: nothing but app (which starts it) may use it. */
  @ArchTest
  static final ArchRule onlyAppUsesTheServer =
      noClasses()
          .that()
          .resideOutsideOfPackages("org.altdiffusion.server..", "org.altdiffusion.app..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage("org.altdiffusion.server..")
          .because("server is a front end; the library must not depend on it");

  /** The command line is the top: nothing depends on it, the server included. */
  @ArchTest
  static final ArchRule nothingUsesTheCommandLine =
      noClasses()
          .that()
          .resideOutsideOfPackage("org.altdiffusion.app..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage("org.altdiffusion.app..")
          .because("app is the command line on top of everything");

  /** No cycles between the top-level packages (io with its sub-packages is one slice, etc.). */
  @ArchTest
  static final ArchRule topLevelPackagesAreFreeOfCycles =
      slices().matching("org.altdiffusion.(*)..").should().beFreeOfCycles();

  /** No cycles between any two packages, sub-packages included (io and io.pytorch, ...). */
  @ArchTest
  static final ArchRule packagesAreFreeOfCycles =
      slices().matching("org.altdiffusion.(**)").should().beFreeOfCycles();

  /**
   * Test-only tools stay out of the jar: no test framework in main code (Maven's test scope keeps
   * them off main's compile path; this catches a scope changed to compile), and no fuzzing harness
   * (they live in src/test/java).
   */
  @ArchTest
  static final ArchRule mainCodeDoesNotUseTestLibraries =
      noClasses()
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(
              "org.junit..", "org.opentest4j..", "org.apiguardian..", "com.tngtech.archunit..")
          .because("test frameworks are test-scope dependencies");

  @ArchTest
  static final ArchRule fuzzersAreTestCode =
      noClasses()
          .should()
          .resideInAPackage("..fuzz..")
          .orShould()
          .haveSimpleNameEndingWith("Fuzzer")
          .orShould()
          .haveSimpleNameEndingWith("Mutator")
          .because("fuzzing harnesses are test tools and live in src/test/java");
}
