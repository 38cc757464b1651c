// GENERATED from mgit_lab/server/openapi.yaml by scripts/gen-schema.mjs (`jlpm gen:schema`):
// do not edit.  The names the panel uses are re-exported from src/tokens.ts.

export interface paths {
  '/cascade': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * start an update cascade (rebuild what derives from `old` on top of `new` from the recorded recipes)
     * @description Checked first as a dry run; bad input answers 4xx before any job starts.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @default false */
            dry_run?: boolean;
            model_type?: string | null;
            new: string;
            old: string;
            repo?: string;
            /** @description only this derived version and what derives from it */
            select?: string | null;
            /** @default false */
            stop_on_failure?: boolean;
          };
        };
      };
      responses: {
        202: components['responses']['JobStarted'];
        400: components['responses']['Error'];
        403: components['responses']['Error'];
        404: components['responses']['Error'];
        409: components['responses']['Error'];
        413: components['responses']['Error'];
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/codecs': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** the registered codecs */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description one entry per codec */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Codecs'];
          };
        };
        403: components['responses']['Error'];
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/diff': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * start a diff of two versions (layer graphs and parameters); the result is a ModelDiffJSON
     * @description `structural` compares layer types and shapes only; otherwise weights are compared too
     *     (contextual).  `lcs` matches layers by longest common subsequence instead of by name;
     *     `collapse` folds repeated blocks (module types) into one node.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            a: string;
            b: string;
            collapse?: string | string[] | null;
            /** @default false */
            lcs?: boolean;
            /**
             * @description skip the layer graph
             * @default false
             */
            params_only?: boolean;
            repo?: string;
            /**
             * @description per-tensor change statistics
             * @default true
             */
            stats?: boolean;
            /** @default false */
            structural?: boolean;
          };
        };
      };
      responses: {
        202: components['responses']['JobStarted'];
        400: components['responses']['Error'];
        403: components['responses']['Error'];
        404: components['responses']['Error'];
        413: components['responses']['Error'];
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/fetch': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** start a fetch (receive the remote's versions' tensors and manifests; the lineage is unchanged) */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: {
        content: {
          'application/json': {
            /** @description the remote (default: origin, or the only one) */
            remote?: string;
            repo?: string;
            versions?: string[];
          };
        };
      };
      responses: {
        202: components['responses']['JobStarted'];
        400: components['responses']['Error'];
        403: components['responses']['Error'];
        404: components['responses']['Error'];
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/gc': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** start garbage collection (drop unreferenced objects, repack) */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: {
        content: {
          'application/json': {
            repo?: string;
          };
        };
      };
      responses: {
        202: components['responses']['JobStarted'];
        400: components['responses']['Error'];
        403: components['responses']['Error'];
        404: components['responses']['Error'];
        413: components['responses']['Error'];
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/graph': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * the lineage graph (nodes with per-version summaries, edges) and its revision
     * @description Answers with an ETag derived from the revision: send it back as If-None-Match to get
     *     a 304 without a body when nothing changed.
     */
    get: {
      parameters: {
        query?: {
          /** @description a folder (relative to the server root) at or below the repository; default the root */
          repo?: components['parameters']['Repo'];
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description the graph */
        200: {
          headers: {
            ETag?: string;
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['GraphPayload'];
          };
        };
        /** @description unchanged since the ETag sent */
        304: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
        400: components['responses']['Error'];
        403: components['responses']['Error'];
        404: components['responses']['Error'];
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/jobs': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** the jobs known (running, queued, and finished in the last hour), newest first */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description the jobs */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['JobList'];
          };
        };
        403: components['responses']['Error'];
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/jobs/{job_id}': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        job_id: components['parameters']['JobId'];
      };
      cookie?: never;
    };
    /** a job's status, progress, log, and result or error */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          job_id: components['parameters']['JobId'];
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description the job */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['JobPayload'];
          };
        };
        403: components['responses']['Error'];
        404: components['responses']['Error'];
      };
    };
    put?: never;
    post?: never;
    /** cancel a job (a queued one at once; a running one at its next progress report) */
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          job_id: components['parameters']['JobId'];
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description the job after the request */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['JobPayload'];
          };
        };
        403: components['responses']['Error'];
        404: components['responses']['Error'];
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/merge': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * start a merge of versions a and b (or of versions, two or more) into a new version (or, with dry_run, only check it)
     * @description The request is checked first (as a dry run): unknown versions, strategies or arguments,
     *     an argument out of range, or a taken name answer 4xx before any job starts.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            a?: string;
            /** @description the strategy's shared arguments (a per-model one applies to all) */
            args?: Record<string, never>;
            b?: string;
            /** @description the ancestor (default: the lowest common ancestor of all the versions) */
            base?: string | null;
            /** @default false */
            dry_run?: boolean;
            /**
             * @description computation dtype
             * @default float32
             * @enum {string}
             */
            dtype?: 'float32' | 'float64';
            message?: string;
            /** @description version -> its per-model arguments (weight, density, gamma, epsilon) */
            models?: {
              [key: string]: Record<string, never>;
            };
            /** @description default: the names joined with + */
            name?: string | null;
            /** @description parameter glob -> A, B, ancestor or another strategy */
            overrides?: {
              [key: string]: string;
            };
            repo?: string;
            /** @description per-tensor rules, first match wins: {filter, strategy or take, args, models} */
            rules?: Record<string, never>[];
            /**
             * @description seed of randomised strategies
             * @default 0
             */
            seed?: number;
            /**
             * @description a name from GET merge/strategies
             * @default average
             */
            strategy?: string;
            /** @description every merged version, in order (instead of a and b) */
            versions?: string[];
            /** @description version (name, id, or A, B, C...) -> its weight */
            weights?: {
              [key: string]: number;
            };
          };
        };
      };
      responses: {
        202: components['responses']['JobStarted'];
        400: components['responses']['Error'];
        403: components['responses']['Error'];
        404: components['responses']['Error'];
        409: components['responses']['Error'];
        413: components['responses']['Error'];
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/merge/plan': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** plan a merge of two or more versions (each parameter's state, what each strategy would do); writes nothing */
    get: {
      parameters: {
        query?: {
          /** @description the first version (with b), unless version is given */
          a?: string;
          b?: string;
          /** @description the ancestor (default: the lowest common ancestor of all the versions) */
          base?: string;
          /** @description a folder (relative to the server root) at or below the repository; default the root */
          repo?: components['parameters']['Repo'];
          /** @description repeat for every merged version, in order (N-way: ?version=x&version=y&version=z) */
          version?: string[];
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description the plan */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['MergePlan'];
          };
        };
        400: components['responses']['Error'];
        403: components['responses']['Error'];
        404: components['responses']['Error'];
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/merge/strategies': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** the merge strategies with their arguments (type, default, range), to render choices from */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description the strategies */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['StrategyList'];
          };
        };
        403: components['responses']['Error'];
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/pull': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** start a pull (fetch, then add the remote's versions, renames and tag changes to the lineage) */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: {
        content: {
          'application/json': {
            /** @description add what the last fetch brought, asking nothing of the remote */
            offline?: boolean;
            /** @description the remote (default: origin, or the only one) */
            remote?: string;
            repo?: string;
            versions?: string[];
          };
        };
      };
      responses: {
        202: components['responses']['JobStarted'];
        400: components['responses']['Error'];
        403: components['responses']['Error'];
        404: components['responses']['Error'];
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/push': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** start a push (send the versions the remote lacks, then swap its lineage) */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: {
        content: {
          'application/json': {
            /** @description the remote (default: origin, or the only one) */
            remote?: string;
            repo?: string;
            versions?: string[];
          };
        };
      };
      responses: {
        202: components['responses']['JobStarted'];
        400: components['responses']['Error'];
        403: components['responses']['Error'];
        404: components['responses']['Error'];
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/remotes': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** the repository's remotes (names, URLs, options; never a credential) */
    get: {
      parameters: {
        query?: {
          /** @description a folder (relative to the server root) at or below the repository; default the root */
          repo?: components['parameters']['Repo'];
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description the remotes */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['RemoteList'];
          };
        };
        400: components['responses']['Error'];
        403: components['responses']['Error'];
        404: components['responses']['Error'];
      };
    };
    put?: never;
    /**
     * add a remote (a folder inside the server's root, or s3://bucket/prefix)
     * @description Credentials are refused in the URL and the options; S3 credentials come from the server's AWS environment or config files.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            name: string;
            /** @description endpoint_url, region, profile */
            options?: {
              [key: string]: string;
            };
            repo?: string;
            url: string;
          };
        };
      };
      responses: {
        /** @description every remote after the change */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['RemoteList'];
          };
        };
        400: components['responses']['Error'];
        403: components['responses']['Error'];
        404: components['responses']['Error'];
        409: components['responses']['Error'];
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/remotes/{name}': {
    parameters: {
      query?: {
        /** @description a folder (relative to the server root) at or below the repository; default the root */
        repo?: components['parameters']['Repo'];
      };
      header?: never;
      path: {
        name: string;
      };
      cookie?: never;
    };
    get?: never;
    put?: never;
    post?: never;
    /** remove a remote (nothing on the remote is touched) */
    delete: {
      parameters: {
        query?: {
          /** @description a folder (relative to the server root) at or below the repository; default the root */
          repo?: components['parameters']['Repo'];
        };
        header?: never;
        path: {
          name: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description every remote after the change */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['RemoteList'];
          };
        };
        400: components['responses']['Error'];
        403: components['responses']['Error'];
        404: components['responses']['Error'];
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/remotes/{name}/status': {
    parameters: {
      query?: {
        /** @description a folder (relative to the server root) at or below the repository; default the root */
        repo?: components['parameters']['Repo'];
      };
      header?: never;
      path: {
        name: string;
      };
      cookie?: never;
    };
    /** versions to push and to pull, as of the last read of the remote's lineage (a fetch, a pull, or a push over REST); no network */
    get: {
      parameters: {
        query?: {
          /** @description a folder (relative to the server root) at or below the repository; default the root */
          repo?: components['parameters']['Repo'];
        };
        header?: never;
        path: {
          name: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description the remote compared with this repository */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['RemoteTracking'];
          };
        };
        400: components['responses']['Error'];
        403: components['responses']['Error'];
        404: components['responses']['Error'];
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/repos': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** repositories under the server's root, and the one nearest a path */
    get: {
      parameters: {
        query?: {
          /** @description a path (e.g. the file browser's folder); `nearest` is the repository at or above it */
          near?: string;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description the repositories found */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['RepositoryList'];
          };
        };
        400: components['responses']['Error'];
        403: components['responses']['Error'];
      };
    };
    put?: never;
    /** create a repository (`mgit init`) in a folder under the server's root (made if missing) */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @description relative to the server root, as in the file browser */
            path: string;
          };
        };
      };
      responses: {
        /** @description the new repository */
        201: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['RepositoryInfo'];
          };
        };
        400: components['responses']['Error'];
        403: components['responses']['Error'];
        409: components['responses']['Error'];
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/revision': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** the repository's revision (bumped by every change; poll it to refresh) */
    get: {
      parameters: {
        query?: {
          /** @description a folder (relative to the server root) at or below the repository; default the root */
          repo?: components['parameters']['Repo'];
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description the revision */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['RevisionPayload'];
          };
        };
        400: components['responses']['Error'];
        403: components['responses']['Error'];
        404: components['responses']['Error'];
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/stats': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** storage statistics, stored vs raw bytes per version and in total (indexes only) */
    get: {
      parameters: {
        query?: {
          /** @description a folder (relative to the server root) at or below the repository; default the root */
          repo?: components['parameters']['Repo'];
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description the statistics */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['StorageStats'];
          };
        };
        400: components['responses']['Error'];
        403: components['responses']['Error'];
        404: components['responses']['Error'];
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/tags': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** every tag of the repository and the version it is on */
    get: {
      parameters: {
        query?: {
          /** @description a folder (relative to the server root) at or below the repository; default the root */
          repo?: components['parameters']['Repo'];
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description the tags */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['TagPayload'];
          };
        };
        400: components['responses']['Error'];
        403: components['responses']['Error'];
        404: components['responses']['Error'];
      };
    };
    put?: never;
    /** attach a tag to a version (`move` takes it from the version that has it) */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @default false */
            move?: boolean;
            repo?: string;
            tag: string;
            version: string;
          };
        };
      };
      responses: {
        /** @description every tag after the change */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['TagPayload'];
          };
        };
        400: components['responses']['Error'];
        403: components['responses']['Error'];
        404: components['responses']['Error'];
        409: components['responses']['Error'];
        413: components['responses']['Error'];
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/tags/{tag}': {
    parameters: {
      query?: {
        /** @description a folder (relative to the server root) at or below the repository; default the root */
        repo?: components['parameters']['Repo'];
      };
      header?: never;
      path: {
        tag: string;
      };
      cookie?: never;
    };
    get?: never;
    put?: never;
    post?: never;
    /** remove a tag */
    delete: {
      parameters: {
        query?: {
          /** @description a folder (relative to the server root) at or below the repository; default the root */
          repo?: components['parameters']['Repo'];
        };
        header?: never;
        path: {
          tag: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description every tag after the change */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['TagPayload'];
          };
        };
        400: components['responses']['Error'];
        403: components['responses']['Error'];
        404: components['responses']['Error'];
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/tests': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** registered model tests; with `version`, those that apply to it */
    get: {
      parameters: {
        query?: {
          /** @description a folder (relative to the server root) at or below the repository; default the root */
          repo?: components['parameters']['Repo'];
          version?: string;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description the tests */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['ModelTestList'];
          };
        };
        400: components['responses']['Error'];
        403: components['responses']['Error'];
        404: components['responses']['Error'];
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/tests/run': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** start running the registered tests on versions (results are stored with each version) */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @description only these tests (default: all that apply) */
            names?: string[] | null;
            repo?: string;
            versions: string[];
          };
        };
      };
      responses: {
        202: components['responses']['JobStarted'];
        400: components['responses']['Error'];
        403: components['responses']['Error'];
        404: components['responses']['Error'];
        413: components['responses']['Error'];
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/verify': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** start verification (re-hash every object, check every delta chain) */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: {
        content: {
          'application/json': {
            /**
             * @description rebuild lost pack indexes first
             * @default false
             */
            repair?: boolean;
            repo?: string;
          };
        };
      };
      responses: {
        202: components['responses']['JobStarted'];
        400: components['responses']['Error'];
        403: components['responses']['Error'];
        404: components['responses']['Error'];
        413: components['responses']['Error'];
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/version': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** the server extension's version (the panel warns when it differs from its own) */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description the version */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['ServerVersion'];
          };
        };
        403: components['responses']['Error'];
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/versions/{key}': {
    parameters: {
      query?: {
        /** @description a folder (relative to the server root) at or below the repository; default the root */
        repo?: components['parameters']['Repo'];
      };
      header?: never;
      path: {
        /** @description a version's name, tag, id or unique id prefix (>= 6 characters) */
        key: components['parameters']['Key'];
      };
      cookie?: never;
    };
    /** one version in full (summary, manifest with per-tensor storage, metadata, metrics, tests) */
    get: {
      parameters: {
        query?: {
          /** @description a folder (relative to the server root) at or below the repository; default the root */
          repo?: components['parameters']['Repo'];
        };
        header?: never;
        path: {
          /** @description a version's name, tag, id or unique id prefix (>= 6 characters) */
          key: components['parameters']['Key'];
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description the version */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['VersionDetail'];
          };
        };
        400: components['responses']['Error'];
        403: components['responses']['Error'];
        404: components['responses']['Error'];
      };
    };
    put?: never;
    post?: never;
    /**
     * remove a version (its objects stay until gc)
     * @description Refused (409) when other versions depend on it, unless `reroot` re-attaches them to its parents.
     */
    delete: {
      parameters: {
        query?: {
          /** @description a folder (relative to the server root) at or below the repository; default the root */
          repo?: components['parameters']['Repo'];
          reroot?: boolean;
        };
        header?: never;
        path: {
          /** @description a version's name, tag, id or unique id prefix (>= 6 characters) */
          key: components['parameters']['Key'];
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description what was removed */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['RemovePayload'];
          };
        };
        400: components['responses']['Error'];
        403: components['responses']['Error'];
        404: components['responses']['Error'];
        409: components['responses']['Error'];
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/versions/{key}/export': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description a version's name, tag, id or unique id prefix (>= 6 characters) */
        key: components['parameters']['Key'];
      };
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** write a version to a safetensors/pt file or a Hugging Face folder under the server's root */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description a version's name, tag, id or unique id prefix (>= 6 characters) */
          key: components['parameters']['Key'];
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @enum {unknown} */
            format?: 'safetensors' | 'pt' | 'hf';
            overwrite?: boolean;
            /** @description relative to the server root; the format is guessed from the suffix (a folder: hf) */
            path: string;
            repo?: string;
          };
        };
      };
      responses: {
        /** @description what was written */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['CheckoutPayload'];
          };
        };
        400: components['responses']['Error'];
        403: components['responses']['Error'];
        404: components['responses']['Error'];
        409: components['responses']['Error'];
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/versions/{key}/rename': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description a version's name, tag, id or unique id prefix (>= 6 characters) */
        key: components['parameters']['Key'];
      };
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** give a version a new name (its id, tags and edges stay) */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description a version's name, tag, id or unique id prefix (>= 6 characters) */
          key: components['parameters']['Key'];
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            name: string;
            repo?: string;
          };
        };
      };
      responses: {
        /** @description the renamed version */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['VersionDetail'];
          };
        };
        400: components['responses']['Error'];
        403: components['responses']['Error'];
        404: components['responses']['Error'];
        409: components['responses']['Error'];
        413: components['responses']['Error'];
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/versions/{key}/reparent': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description a version's name, tag, id or unique id prefix (>= 6 characters) */
        key: components['parameters']['Key'];
      };
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * replace a version's parents (lineage only; its tensors and every stored delta stay)
     * @description An empty `parents` makes it a root. Refused (400) when a parent is the version itself or one of its descendants. `relation` defaults to its current one (`merge` for several parents).
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description a version's name, tag, id or unique id prefix (>= 6 characters) */
          key: components['parameters']['Key'];
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            parents: string[];
            /** @enum {string|null} */
            relation?:
              | 'finetune'
              | 'version'
              | 'prune'
              | 'quantize'
              | 'distill'
              | 'adapter'
              | 'merge'
              | null;
            repo?: string;
          };
        };
      };
      responses: {
        /** @description the version with its new parents */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['VersionDetail'];
          };
        };
        400: components['responses']['Error'];
        403: components['responses']['Error'];
        404: components['responses']['Error'];
        409: components['responses']['Error'];
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
}
export type webhooks = Record<string, never>;
export interface components {
  schemas: {
    CascadeEntry: {
      after: {
        [key: string]: {
          [key: string]: number;
        };
      };
      ancestor: string | null;
      before: {
        [key: string]: {
          [key: string]: number;
        };
      };
      new: string | null;
      old: string;
      parents: string[];
      reason: string;
      recipe: string;
      /** @enum {unknown} */
      status: 'updated' | 'updated-tests-failed' | 'planned' | 'failed' | 'skipped' | 'not-run';
      tests: components['schemas']['ModelTestResult'][];
    };
    CascadeReport: {
      complete: boolean;
      dry_run: boolean;
      entries: components['schemas']['CascadeEntry'][];
      new: string;
      not_updated: string[];
      old: string;
      updated: string[];
    };
    CheckoutPayload: {
      bytes_written: number;
      format: string;
      num_tensors: number;
      path: string;
      version: string;
    };
    Codecs: {
      codecs: {
        description: string;
        id: string;
        lossless: boolean;
        needs_base: boolean;
      }[];
    };
    DiffEdgeJSON: {
      source: string;
      /** @enum {unknown} */
      status: 'same' | 'removed' | 'added';
      target: string;
    };
    /** @description A layer (or input/output) as one model has it. */
    DiffLayerJSON: {
      attrs: {
        [key: string]: unknown;
      };
      /** @enum {unknown} */
      kind: 'module' | 'input' | 'output';
      name: string;
      params: {
        [key: string]: components['schemas']['DiffTensorJSON'];
      };
      type: string;
    };
    /** @description A node of the union of both graphs. ``status``: "same" (in both), "changed" (matched, but its structure or weights differ: MGit would remove the model-1 node and add the model-2 one), "removed" (only in model 1), "added" (only in model 2). */
    DiffNodeJSON: {
      a: components['schemas']['DiffLayerJSON'] | null;
      b: components['schemas']['DiffLayerJSON'] | null;
      changes: string[];
      id: string;
      /** @enum {unknown} */
      kind: 'module' | 'input' | 'output';
      /** @enum {unknown} */
      status: 'same' | 'changed' | 'removed' | 'added';
    };
    /** @description One tensor pair; stats are null where not computed (shape/dtype change, removed, added, or stats turned off). ``rank`` is the numerical rank of b - a for 2-D float tensors; when ``rank_exact`` is false it is a lower bound. */
    DiffParamJSON: {
      a: string | null;
      b: string | null;
      dtype_a: string | null;
      dtype_b: string | null;
      fraction_changed: number | null;
      l2: number | null;
      numel: number;
      rank: number | null;
      rank_exact: boolean | null;
      relative: number | null;
      shape_a: number[] | null;
      shape_b: number[] | null;
      /** @enum {unknown} */
      status: 'same' | 'changed' | 'removed' | 'added';
    };
    DiffSideJSON: {
      label: string;
      num_edges: number;
      num_nodes: number;
      num_parameters: number;
      num_tensors: number;
      tracer: string | null;
    };
    DiffSummaryJSON: {
      added_edges: string[][];
      added_nodes: string[];
      changed_elements: number;
      edges: {
        [key: string]: number;
      };
      identical: boolean;
      nodes: {
        [key: string]: number;
      };
      params: {
        [key: string]: number;
      };
      removed_edges: string[][];
      removed_nodes: string[];
    };
    /** @description One tensor of a layer: state-dict key, shape, dtype, content hash (the store's object id; null for tensors on the meta device). */
    DiffTensorJSON: {
      dtype: string;
      hash: string | null;
      key: string;
      shape: number[];
    };
    EdgePayload: {
      child: string;
      parent: string;
      /** @enum {unknown} */
      relation: 'finetune' | 'version' | 'prune' | 'quantize' | 'distill' | 'adapter' | 'merge';
    };
    /** @description The body of every 4xx/5xx answer of the REST API. */
    ErrorPayload: {
      hint: string | null;
      message: string;
    };
    GcPayload: {
      bytes_after: number;
      bytes_before: number;
      bytes_freed: number;
      index_files_removed: number;
      objects_kept: number;
      objects_removed: number;
      packs_after: number;
      packs_before: number;
      temp_files_removed: number;
    };
    /** @description The whole lineage (``log --json``, ``GET graph``); nodes parents-first. */
    GraphPayload: {
      edges: components['schemas']['EdgePayload'][];
      nodes: components['schemas']['VersionSummary'][];
      revision: number;
    };
    JobError: {
      hint: string | null;
      message: string;
      status: number;
    };
    JobList: {
      jobs: components['schemas']['JobPayload'][];
    };
    /** @description A long operation run by the server (diff, tests, merge, cascade, gc, verify). */
    JobPayload: {
      cancel_requested: boolean;
      created: string;
      error: components['schemas']['JobError'] | null;
      finished: string | null;
      id: string;
      /** @enum {unknown} */
      kind: 'diff' | 'tests' | 'merge' | 'cascade' | 'gc' | 'verify' | 'push' | 'fetch' | 'pull';
      log: string[];
      progress: components['schemas']['JobProgress'];
      repo: string;
      result: unknown;
      started: string | null;
      /** @enum {unknown} */
      status: 'queued' | 'running' | 'done' | 'failed' | 'cancelled';
      title: string;
    };
    JobProgress: {
      done: number;
      fraction: number | null;
      step: string;
      total: number;
    };
    ManifestSummary: {
      added: number;
      changed_from_parent: number;
      dtypes: {
        [key: string]: number;
      };
      num_parameters: number;
      num_tensors: number;
      removed: number;
      same_as_parent: number;
    };
    MergeArgumentInfo: {
      choices: string[] | null;
      default: unknown;
      description: string;
      max: number | null;
      min: number | null;
      name: string;
      per_model: boolean;
      /** @enum {unknown} */
      type: 'float' | 'int' | 'bool' | 'str';
    };
    MergeParameter: {
      auto: boolean;
      dtype_ancestor: string | null;
      dtypes: (string | null)[];
      name: string;
      shape_a: number[] | null;
      shape_ancestor: number[] | null;
      shape_b: number[] | null;
      shapes: (number[] | null)[];
      state: string;
    };
    MergePlan: {
      a: string;
      a_name: string;
      ancestor: string | null;
      ancestor_name: string | null;
      ancestor_source: string;
      auto: number;
      b: string;
      b_name: string;
      conflicts: number;
      counts: {
        [key: string]: number;
      };
      parameters: components['schemas']['MergeParameter'][];
      strategies: components['schemas']['StrategyPreview'][];
      version_names: string[];
      versions: string[];
    };
    MergeResult: {
      args: {
        [key: string]: unknown;
      };
      dry_run: boolean;
      dtype: string;
      model_args: {
        [key: string]: unknown;
      }[];
      overrides: {
        [key: string]: string;
      };
      plan: components['schemas']['MergePlan'];
      problems: string[];
      rules: {
        [key: string]: unknown;
      }[];
      seed: number;
      strategy: string;
      tests: components['schemas']['ModelTestResult'][];
      version: string | null;
      version_id: string | null;
    };
    /** @description A strategy as ``describe_strategies()`` lists it (CLI, panel dialog, magics help). */
    MergeStrategyInfo: {
      arguments: components['schemas']['MergeArgumentInfo'][];
      description: string;
      max_models: number | null;
      min_models: number;
      modes: string[];
      name: string;
      needs_ancestor: boolean;
      randomised: boolean;
      reference: string;
      resolves: string[];
      ties: string;
    };
    MetricCheck: {
      condition: string | null;
      /** @enum {unknown} */
      direction: 'higher' | 'lower';
      passed: boolean | null;
      value: number;
    };
    /** @description How one metric of a test is judged. */
    MetricSpec: {
      condition: string | null;
      /** @enum {unknown} */
      direction: 'higher' | 'lower';
      tolerance: number | null;
    };
    ModelDiffJSON: {
      a: components['schemas']['DiffSideJSON'];
      b: components['schemas']['DiffSideJSON'];
      collapse: string[];
      edges: components['schemas']['DiffEdgeJSON'][];
      /** @enum {unknown} */
      matcher: 'name' | 'lcs' | 'none';
      /** @enum {unknown} */
      mode: 'structural' | 'contextual';
      nodes: components['schemas']['DiffNodeJSON'][];
      notes: string[];
      params: components['schemas']['DiffParamJSON'][];
      summary: components['schemas']['DiffSummaryJSON'];
      timings: {
        [key: string]: number;
      };
    };
    ModelTestList: {
      tests: components['schemas']['ModelTestSpec'][];
    };
    /** @description One run of one test on one version (stored in ``ModelVersion.tests[name]``). */
    ModelTestResult: {
      checks: {
        [key: string]: components['schemas']['MetricCheck'];
      };
      duration_s: number;
      metrics: {
        [key: string]: number;
      };
      ran_at: string;
      ref: string;
      /** @enum {unknown} */
      status: 'passed' | 'failed' | 'recorded';
      test: string;
      version: string;
      version_name: string;
      weights: string;
    };
    /** @description The result of a ``tests`` job: every test run on every version asked for. */
    ModelTestRunPayload: {
      results: components['schemas']['ModelTestResult'][];
    };
    /** @description A registered test (``.mgit/tests.json``). */
    ModelTestSpec: {
      dataset: string | null;
      description: string;
      metrics: {
        [key: string]: components['schemas']['MetricSpec'];
      };
      model_type: string | null;
      name: string;
      preprocess: string | null;
      ref: string;
      /** @enum {unknown} */
      scope: 'type' | 'version' | 'graph';
      version: string | null;
    };
    /** @description One incoming edge of a version. */
    ParentRef: {
      id: string;
      name: string;
      /** @enum {unknown} */
      relation: 'finetune' | 'version' | 'prune' | 'quantize' | 'distill' | 'adapter' | 'merge';
    };
    /** @description An object a fetch refused (damaged, truncated or missing on the remote). */
    RefusedObject: {
      object: string;
      reason: string;
      versions: string[];
    };
    /** @description A configured remote: never a credential (the config holds none). */
    RemoteInfo: {
      name: string;
      options: {
        [key: string]: string;
      };
      promisor: boolean;
      url: string;
    };
    RemoteList: {
      remotes: components['schemas']['RemoteInfo'][];
    };
    /** @description A remote compared with this repository, as of the last time this repository read the remote's lineage (a fetch, a pull, or a push from the panel). */
    RemoteTracking: {
      ahead: string[];
      ahead_count: number | null;
      behind: string[];
      behind_count: number | null;
      checked: string | null;
      name: string;
      url: string;
    };
    RemovePayload: {
      id: string;
      removed: string;
      rerooted: string[];
    };
    /** @description A repository under the server's root; ``path`` is relative to the root ('' = the root). */
    RepositoryInfo: {
      name: string;
      path: string;
    };
    RepositoryList: {
      nearest: string | null;
      repositories: components['schemas']['RepositoryInfo'][];
      truncated: boolean;
    };
    RevisionPayload: {
      repo: string;
      revision: number;
    };
    ServerVersion: {
      version: string;
    };
    /** @description ``du``: each object is charged to the first version (parents first) that stored it, so the per-version figures add up to the total. */
    StorageStats: {
      total: components['schemas']['StorageTotals'];
      versions: components['schemas']['VersionStorage'][];
    };
    StorageTotals: {
      blob_bytes: number;
      blob_objects: number;
      files: number;
      objects: number;
      pack_file_bytes: number;
      packs: number;
      ratio: number;
      raw_bytes: number;
      stored_bytes: number;
      versions: number;
    };
    StrategyList: {
      strategies: components['schemas']['MergeStrategyInfo'][];
    };
    StrategyPreview: {
      applicable: boolean;
      name: string;
      reason: string;
      unresolved: string[];
    };
    TagPayload: {
      tags: {
        [key: string]: string;
      };
    };
    /** @description One parameter of a version's manifest. */
    TensorEntry: {
      base: string | null;
      codecs: string[];
      dtype: string;
      name: string;
      oid: string;
      shape: number[];
      stored_bytes: number;
      vs_parent: ('same' | 'changed' | 'added') | null;
    };
    /** @description What a push, fetch, pull or clone moved (the result of a push/fetch/pull job). */
    TransferPayload: {
      bytes_received: number;
      bytes_sent: number;
      label_notes?: string[];
      labels?: string[];
      objects: number;
      packs: number;
      refused: components['schemas']['RefusedObject'][];
      remote: string;
      requests: number;
      seconds: number;
      skipped_versions: string[];
      url: string;
      verb: string;
      versions: string[];
    };
    VerifyPayload: {
      damaged_versions: string[];
      objects_checked: number;
      ok: boolean;
      packs_repaired: string[];
      problems: components['schemas']['VerifyProblem'][];
    };
    VerifyProblem: {
      oid: string;
      what: string;
    };
    /** @description One version in full (``show``). */
    VersionDetail: {
      architecture: {
        [key: string]: unknown;
      } | null;
      author: string;
      children: components['schemas']['ParentRef'][];
      created: string;
      files: components['schemas']['VersionFile'][];
      id: string;
      lossy: boolean;
      manifest: components['schemas']['ManifestSummary'];
      message: string;
      metadata: {
        [key: string]: unknown;
      };
      metrics: {
        [key: string]: unknown;
      };
      model_type: string | null;
      name: string;
      num_parameters: number;
      num_tensors: number;
      parents: components['schemas']['ParentRef'][];
      raw_bytes: number;
      recipe: {
        [key: string]: unknown;
      } | null;
      relation:
        ('finetune' | 'version' | 'prune' | 'quantize' | 'distill' | 'adapter' | 'merge') | null;
      stored_bytes: number;
      tags: string[];
      tensors: components['schemas']['TensorEntry'][];
      /** @enum {unknown} */
      test_status: 'pass' | 'fail' | 'none';
      tests: {
        [key: string]: unknown;
      };
    };
    /** @description One file a version was added from (``show``): checkout gives it back byte for byte. */
    VersionFile: {
      kind: string;
      path: string;
      size: number;
    };
    VersionStorage: {
      id: string;
      name: string;
      ratio: number;
      raw_bytes: number;
      stored_bytes: number;
    };
    /** @description One node as the graph, ``log`` and ``add`` show it (no manifest: cheap). */
    VersionSummary: {
      author: string;
      created: string;
      id: string;
      lossy: boolean;
      message: string;
      model_type: string | null;
      name: string;
      num_parameters: number;
      num_tensors: number;
      parents: components['schemas']['ParentRef'][];
      raw_bytes: number;
      relation:
        ('finetune' | 'version' | 'prune' | 'quantize' | 'distill' | 'adapter' | 'merge') | null;
      stored_bytes: number;
      tags: string[];
      /** @enum {unknown} */
      test_status: 'pass' | 'fail' | 'none';
    };
  };
  responses: {
    /** @description the request failed; the message says why, the hint what to do */
    Error: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/json': components['schemas']['ErrorPayload'];
      };
    };
    /** @description the job was queued; its URL is in the Location header */
    JobStarted: {
      headers: {
        Location?: string;
        [name: string]: unknown;
      };
      content: {
        'application/json': components['schemas']['JobPayload'];
      };
    };
  };
  parameters: {
    JobId: string;
    /** @description a version's name, tag, id or unique id prefix (>= 6 characters) */
    Key: string;
    /** @description a folder (relative to the server root) at or below the repository; default the root */
    Repo: string;
  };
  requestBodies: never;
  headers: never;
  pathItems: never;
}
export type $defs = Record<string, never>;
export type operations = Record<string, never>;
