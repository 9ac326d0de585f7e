// The one Supabase client, for the hosted build. Only imported by the supabase data source,
// which is itself loaded lazily, so the api build never contains supabase-js.
import { createClient } from '@supabase/supabase-js'

export const supabase = createClient(
  import.meta.env.VITE_SUPABASE_URL as string,
  import.meta.env.VITE_SUPABASE_ANON_KEY as string,
)
