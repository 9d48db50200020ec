CREATE TABLE "jobs" (
	"id" text PRIMARY KEY NOT NULL,
	"board_id" text NOT NULL,
	"node_id" text NOT NULL,
	"kind" text NOT NULL,
	"provider" text NOT NULL,
	"model" text NOT NULL,
	"status" text NOT NULL,
	"input" jsonb NOT NULL,
	"input_hash" text NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"recoveries" integer DEFAULT 0 NOT NULL,
	"outputs" jsonb,
	"error" text,
	"cost_usd" double precision,
	"request_id" text,
	"reused_from" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_board_id_boards_id_fk" FOREIGN KEY ("board_id") REFERENCES "public"."boards"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "jobs_board_created_idx" ON "jobs" USING btree ("board_id","created_at");--> statement-breakpoint
CREATE INDEX "jobs_status_created_idx" ON "jobs" USING btree ("status","created_at");--> statement-breakpoint
CREATE INDEX "jobs_reuse_idx" ON "jobs" USING btree ("board_id","node_id","input_hash");