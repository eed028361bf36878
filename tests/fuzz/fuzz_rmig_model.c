/* fuzz_rmig_model.c: libFuzzer target for the migration cost model's parser.
 *
 * Input: a model file's bytes. Whatever the parser accepts must be sound:
 * every path given has both lines, every number is finite and inside the
 * ranges rmig.h states, the measured text is NUL-terminated and short
 * enough, and a prediction from it is finite and never negative. Whatever
 * it refuses must come with a reason starting "line ". Seeds are
 * well-formed files (each must pass) for the driver to flip and cut.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rmig.h"

static void fit_sound(const struct rmig_fit *f)
{
    if (!isfinite(f->a) || !isfinite(f->b) || !isfinite(f->r2) || f->a < RMIG_MODEL_A_MIN ||
        f->a > RMIG_MODEL_A_MAX || f->b < 0 || f->b > RMIG_MODEL_B_MAX || f->r2 < 0 || f->r2 > 1 ||
        f->points < 2 || f->points > RMIG_MODEL_POINTS_MAX)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rmig_model m;
    struct rmig_estimate e;
    char why[160];
    int given = 0;

    if (rmig_model_parse((const char *)data, size, &m, why, sizeof(why)) < 0) {
        if (strncmp(why, "line ", 5) != 0)
            abort();
        return 0;
    }
    if (memchr(m.measured, '\0', sizeof(m.measured)) == NULL)
        abort();
    for (int p = 0; p < RMIG_PATHS; p++) {
        if (m.given[p] != 0 && m.given[p] != 3)
            abort();
        if (m.given[p] == 0)
            continue;
        given = 1;
        fit_sound(&m.downtime[p]);
        fit_sound(&m.total[p]);
        if (rmig_model_predict(&m, p, UINT64_C(1) << 40, &e) < 0 || !isfinite(e.total) ||
            e.downtime < 0 || e.total < e.downtime)
            abort();
    }
    if (!given)
        abort();
    return 0;
}

/* Well-formed files: one, two or three paths, with and without comments. */
size_t fuzz_make_seed(uint8_t *buf, size_t max, unsigned k)
{
    char text[1024];
    int n = snprintf(
        text, sizeof(text),
        "%snanvix-mpi-migration-model 1\n%s"
        "local downtime %u.5e-4 3.1e-10 0.9%u %u\nlocal total 1e-4 3.2e-10 0.8 %u\n"
        "%s%s",
        k & 1 ? "# seed\n\n" : "", k & 2 ? "measured by the fuzz seeds\n" : "", k, k % 10, 2 + k,
        2 + k, k & 4 ? "hosts total 0.002 1.25e-9 0.75 7\nhosts downtime 0.001 1e-9 0.5 6\n" : "",
        k & 8 ? "checkpoint downtime -0.25 1e-8 0 2\ncheckpoint total 3600 1e-3 0 2" : "");
    struct rmig_model m;
    char why[160];

    if (n < 0 || (size_t)n > max || (size_t)n >= sizeof(text))
        return 0;
    /* A well-formed seed must pass, or the target would test nothing. */
    if (rmig_model_parse(text, (size_t)n, &m, why, sizeof(why)) < 0) {
        fprintf(stderr, "seed %u refused: %s\n", k, why);
        abort();
    }
    memcpy(buf, text, (size_t)n);
    return (size_t)n;
}
